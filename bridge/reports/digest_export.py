"""The release digest as Markdown (to paste into a wiki, a mail or a chat; the command line prints it) and as CSV
(one row per change), in the digest's language. Pure."""

from __future__ import annotations

import io

from bridge.reports.digest import DigestChange, KeyAccount, ReleaseDigest
from bridge.reports.export import csv_writer
from bridge.reports.outline import segments_text
from bridge.reports.releases import Release, ReleaseRules
from bridge.text.catalogue import label, translate


def release_name(release: Release, language: str) -> str:
    """"version 5.2", or "week 2026-W11 (no fix version)"."""
    if release.version is not None:
        return translate("digest.release_version", language, version=release.version)
    return translate("digest.release_week", language, week=release.week)


def heading(digest: ReleaseDigest) -> str:
    """"Release digest: version 5.2, released 2026-03-10"."""
    lang = digest.language
    return translate("digest.heading", lang, release=release_name(digest.release, lang),
                     day=digest.release.released_at.date().isoformat())


def summary(digest: ReleaseDigest) -> str:
    return translate("digest.summary", digest.language, changes=len(digest.changes),
                     organizations=digest.organizations, key_accounts=digest.key_accounts)


def key_rule(rules: ReleaseRules, language: str) -> str:
    """"Key accounts: at least 100 paid accounts or segment enterprise." (segments by our names for them)."""
    parts = ([translate("digest.rule.paid", language, paid=rules.key_paid)] if rules.key_paid else []) + (
        [translate("digest.rule.segments", language,
                   segments=", ".join(label("segment", segment, language) for segment in rules.key_segments))]
        if rules.key_segments else [])
    return translate("digest.rule", language, rule=translate("digest.rule.or", language).join(parts) or "—")


def asked_text(change: DigestChange, language: str) -> str:
    """"tickets: 4, organisations: 3 (enterprise 2, small business 1), paid accounts: 250"."""
    asked = change.asked
    return translate("digest.asked_text", language, tickets=asked.tickets, organizations=asked.organizations,
                     segments=segments_text(asked.by_segment, language) or "—", paid=asked.paid_accounts)


def manager_text(account: KeyAccount, language: str) -> str:
    if account.manager:
        return translate("digest.manager", language, name=account.manager)
    return translate("digest.no_manager", language)


def account_text(account: KeyAccount, language: str) -> str:
    """"ООО Ромашка (paid accounts: 120) — manager: Ирина Соколова"."""
    return (f"{account.name} ({translate('digest.paid', language, count=account.paid_accounts)}) — "
            f"{manager_text(account, language)}")


def _change_markdown(change: DigestChange, language: str, follow_up_days: int) -> list[str]:
    def _(key: str, **values: object) -> str:
        return translate(key, language, **values)

    epic = f"[{change.epic_key}]({change.epic_url})" if change.epic_url else change.epic_key
    facts = [f"{_('group.epic')}: {epic}", f"{_('digest.released')}: {change.released_at.date().isoformat()}",
             *([f"{_('group.topic')}: {change.topic}"] if change.topic else []),
             *([f"**{_('digest.critical')}**"] if change.critical else [])]
    outline = change.outline
    lines = [f"## {change.number} {change.title}", "", " · ".join(facts), "",
             f"**{_('digest.asked')}:** {asked_text(change, language)}", "", f"**{_('digest.key_accounts')}:**"]
    lines += [f"- {account_text(a, language)}" for a in change.key_accounts] or [f"- {_('digest.no_key_accounts')}"]
    if change.critical and follow_up_days:
        lines += ["", _("digest.follow_up", days=follow_up_days)]
    lines += ["", f"### {_('digest.outline')}", "", f"**{_('group.title')}:** {outline.title}", "",
              f"**{_('digest.outline.changed_heading')}:**", *(f"- {line}" for line in outline.changed), "",
              f"**{_('digest.outline.benefits_heading')}:** {outline.benefits}", ""]
    if outline.asked:
        lines += [f"**{_('digest.outline.asked_heading')}:**", *(f"> {text}" for text in outline.asked), ""]
    lines += [f"**{_('digest.outline.steps_heading')}:**", *(f"{n}. {step}" for n, step in enumerate(outline.steps, 1)),
              ""]
    return lines


def digest_markdown(digest: ReleaseDigest, rules: ReleaseRules) -> str:
    """The heading and summary, the key-account rule, then one section per change with its outline."""
    lang = digest.language
    lines = [f"# {heading(digest)}", "", summary(digest), "", f"_{key_rule(rules, lang)}_", ""]
    for change in digest.changes:
        lines += _change_markdown(change, lang, rules.follow_up_days)
    return "\n".join(lines)


CSV_COLUMNS = ("digest.col.number", "group.title", "group.epic", "digest.col.link", "digest.released", "group.topic",
               "digest.critical", "group.tickets", "group.organizations", "group.paid_accounts", "digest.col.segments",
               "digest.key_accounts", "digest.outline")


def digest_csv(digest: ReleaseDigest) -> str:
    """One row per change: number, title, epic and its link, release day, topic, critical (yes/no), tickets,
    organisations, paid accounts, organisations per segment, key accounts with their managers ("; " between
    them), outline title. Separated and written as export.csv_writer says."""
    lang = digest.language
    out = io.StringIO()
    writer = csv_writer(out, lang)
    writer.writerow([translate(column, lang) for column in CSV_COLUMNS])
    for change in digest.changes:
        writer.writerow([
            change.number, change.title, change.epic_key, change.epic_url, change.released_at.date().isoformat(),
            change.topic, translate("digest.yes" if change.critical else "digest.no", lang), change.asked.tickets,
            change.asked.organizations, change.asked.paid_accounts, segments_text(change.asked.by_segment, lang),
            "; ".join(account_text(account, lang) for account in change.key_accounts), change.outline.title,
        ])
    return out.getvalue()
