"""The Zendesk app (ZAF v2) beside every ticket: check `zendesk_app/` against Zendesk's documented manifest rules
and build the zip Zendesk's private-app upload accepts (manifest.json, translations/ and assets/ at its root).

`validate_app` lists every problem at once as `file: dotted.path: message`; `package_app` refuses to build while
there is any. Rules: https://developer.zendesk.com/documentation/apps/app-developer-guide/manifest/ and
https://developer.zendesk.com/documentation/apps/publish-your-app-or-theme/create_content/ . No network.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bridge.errors import ConfigError

APP_DIR = Path(__file__).resolve().parents[2] / "zendesk_app"
REQUIRED_KEYS = ("author", "defaultLocale", "location", "frameworkVersion", "version")
FRAMEWORK_VERSIONS = ("2.0",)
LOCATIONS = {
    "support": ("ticket_sidebar", "new_ticket_sidebar", "user_sidebar", "organization_sidebar", "top_bar",
                "nav_bar", "ticket_editor", "background", "modal"),
    "chat": ("chat_sidebar", "background"),
    "sell": ("deal_card", "lead_card", "person_card", "company_card", "top_bar", "background"),
}
PARAMETER_TYPES = ("text", "password", "checkbox", "url", "number", "multiline", "hidden", "oauth")
LOCALES = ("en", "ru")
APP_TEXTS = ("name", "short_description", "long_description", "installation_instructions")
IMAGES = {"logo.png": (320, 320), "logo-small.png": (128, 128)}
PLACEHOLDER = re.compile(r"\{\{\s*setting\.([A-Za-z0-9_]+)\s*\}\}")
PARAMETER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _load_json(path: Path, shown: str, problems: list[str]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{shown}: missing")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        problems.append(f"{shown}: not valid JSON ({error})")
    return None


def _author_problems(author: Any) -> list[str]:
    if not isinstance(author, dict):
        return ["author: must be an object with name, email and url"]
    problems = [f"author.{key}: required" for key in ("name", "email") if not str(author.get(key) or "").strip()]
    if author.get("email") and "@" not in str(author["email"]):
        problems.append("author.email: must be an e-mail address")
    return problems


def _url_problem(url: Any, secure_names: set[str], names: set[str]) -> str | None:
    if not isinstance(url, str) or not url:
        return "must be a URL or a path under assets/"
    for name in PLACEHOLDER.findall(url):
        if name not in names:
            return f"names {{{{setting.{name}}}}}, which is not a parameter"
        if name in secure_names:
            return f"{{{{setting.{name}}}}} is secure; secure settings never reach the browser"
    if url.startswith("assets/") or PLACEHOLDER.match(url):
        return None
    parts = urlsplit(url)
    local = parts.hostname in ("localhost", "127.0.0.1")
    if parts.scheme == "https" or (parts.scheme == "http" and local):
        return None
    return "must be https:// (http:// only for localhost), a path under assets/ or start with {{setting.NAME}}"


def _location_problems(location: Any, parameters: list[dict[str, Any]]) -> list[str]:
    if not isinstance(location, dict) or not location:
        return ["location: must map a product (support, chat, sell) to its locations"]
    names = {str(p.get("name")) for p in parameters}
    secure_names = {str(p.get("name")) for p in parameters if p.get("secure")}
    problems = []
    for product, places in location.items():
        if product not in LOCATIONS:
            problems.append(f"location.{product}: unknown product (known: {', '.join(LOCATIONS)})")
            continue
        if not isinstance(places, dict) or not places:
            problems.append(f"location.{product}: must map location names to URLs")
            continue
        for place, spec in places.items():
            where = f"location.{product}.{place}"
            if place not in LOCATIONS[product]:
                problems.append(f"{where}: unknown location (known: {', '.join(LOCATIONS[product])})")
                continue
            url = spec.get("url") if isinstance(spec, dict) else spec
            problem = _url_problem(url, secure_names, names)
            if problem:
                problems.append(f"{where}{'.url' if isinstance(spec, dict) else ''}: {problem}")
    return problems


def _parameter_problems(parameters: Any) -> list[str]:
    if not isinstance(parameters, list):
        return ["parameters: must be a list"]
    problems, seen = [], set()
    for index, parameter in enumerate(parameters):
        where = f"parameters[{index}]"
        if not isinstance(parameter, dict):
            problems.append(f"{where}: must be an object")
            continue
        name = parameter.get("name")
        if not isinstance(name, str) or not PARAMETER_NAME.match(name):
            problems.append(f"{where}.name: must be a name of letters, digits and _")
        elif name in seen:
            problems.append(f"{where}.name: '{name}' is declared twice")
        seen.add(name)
        if parameter.get("type", "text") not in PARAMETER_TYPES:
            problems.append(f"{where}.type: '{parameter.get('type')}' is not one of {', '.join(PARAMETER_TYPES)}")
        for flag in ("required", "secure"):
            if not isinstance(parameter.get(flag, False), bool):
                problems.append(f"{where}.{flag}: must be true or false")
        if parameter.get("secure") and "default" in parameter:
            problems.append(f"{where}.default: a secure parameter cannot have a default value")
    return problems


def _manifest_problems(manifest: dict[str, Any]) -> list[str]:
    problems = [f"{key}: required" for key in REQUIRED_KEYS if key not in manifest]
    if "author" in manifest:
        problems += _author_problems(manifest["author"])
    if "frameworkVersion" in manifest and manifest["frameworkVersion"] not in FRAMEWORK_VERSIONS:
        problems.append(f"frameworkVersion: must be {' or '.join(FRAMEWORK_VERSIONS)}")
    for flag in ("private", "signedUrls"):
        if not isinstance(manifest.get(flag, False), bool):
            problems.append(f"{flag}: must be true or false")
    parameters = manifest.get("parameters", [])
    problems += _parameter_problems(parameters)
    if "location" in manifest:
        usable = [p for p in parameters if isinstance(p, dict)] if isinstance(parameters, list) else []
        problems += _location_problems(manifest["location"], usable)
    return problems


def _translation_problems(source: Path, manifest: dict[str, Any], problems: list[str]) -> None:
    default = manifest.get("defaultLocale")
    declared = manifest.get("parameters")
    declared = declared if isinstance(declared, list) else []
    names = dict.fromkeys(p["name"] for p in declared if isinstance(p, dict) and isinstance(p.get("name"), str))
    for locale in sorted({*LOCALES, *([default] if isinstance(default, str) else [])}):
        shown = f"translations/{locale}.json"
        document = _load_json(source / "translations" / f"{locale}.json", shown, problems)
        if document is None:
            continue
        app = document.get("app") if isinstance(document, dict) else None
        if not isinstance(app, dict):
            problems.append(f"{shown}: app: required")
            continue
        problems += [f"{shown}: app.{key}: required" for key in APP_TEXTS if not str(app.get(key) or "").strip()]
        labels = app.get("parameters")
        labels = labels if isinstance(labels, dict) else {}
        problems += [f"{shown}: app.parameters.{name}.label: required" for name in names
                     if not (labels.get(name) or {}).get("label")]


def _png_size(path: Path) -> tuple[int, int] | None:
    head = path.read_bytes()[:24]
    if len(head) < 24 or not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def _image_problems(source: Path) -> list[str]:
    problems = []
    for name, size in IMAGES.items():
        path = source / "assets" / name
        if not path.exists():
            problems.append(f"assets/{name}: missing")
        elif _png_size(path) != size:
            problems.append(f"assets/{name}: must be a {size[0]}×{size[1]} PNG")
    return problems


def validate_app(source: Path = APP_DIR) -> list[str]:
    """Every problem of the app in `source`, each `file: dotted.path: message`; empty when Zendesk would accept it."""
    problems: list[str] = []
    manifest = _load_json(source / "manifest.json", "manifest.json", problems)
    if manifest is not None and not isinstance(manifest, dict):
        problems.append("manifest.json: must be a JSON object")
    if isinstance(manifest, dict):
        problems += [f"manifest.json: {problem}" for problem in _manifest_problems(manifest)]
        _translation_problems(source, manifest, problems)
    return problems + _image_problems(source)


def package_files(source: Path) -> list[Path]:
    """The files the zip holds, relative to `source`: the manifest, every translation and every asset."""
    found = [Path("manifest.json")]
    for folder in ("translations", "assets"):
        found += sorted(p.relative_to(source) for p in (source / folder).rglob("*") if p.is_file())
    return found


def package_app(source: Path = APP_DIR, out_dir: Path = Path(".")) -> Path:
    """Write `wishbridge-zendesk-app-<version>.zip` into `out_dir` and return its path; ConfigError listing every
    problem when the app is invalid. The same source gives the same bytes (fixed timestamps, sorted names)."""
    problems = validate_app(source)
    if problems:
        raise ConfigError(problems)
    version = json.loads((source / "manifest.json").read_text(encoding="utf-8"))["version"]
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"wishbridge-zendesk-app-{version}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative in package_files(source):
            info = zipfile.ZipInfo(relative.as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (source / relative).read_bytes())
    return target
