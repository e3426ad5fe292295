"""Quality and speed of similar-wish grouping on the shared data sets.

Usage: python benchmarks/grouping.py [--shared ../shared/data] [--sizes 10000 100000]

Prints, for banking77 (train seeds the groups, test queries them) and for dups_openoffice (older half
of each duplicate group seeds, the rest query; banking77 texts are added as distractors), the
pairwise and B-cubed figures of batch clustering, Recall@k and MRR of finding the right group, and the
precision and coverage of automatic joins; then the time and peak memory of clustering synthetic
batches. Each timing runs in a fresh process so its peak resident memory is its own.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bridge.evaluation import evaluate, gold_clusters, split_seeds  # noqa: E402
from bridge.grouping import GroupingPolicy, WishDoc  # noqa: E402

DISTRACTOR_STEP = 3
LETTERS = {"latin": "abcdefghijklmnopqrstuvwxyz", "cyrillic": "абвгдежзийклмнопрстуфхцчшщыьэюя"}


def read_rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    """All rows of a delimited file as dicts."""
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def banking77(shared: Path) -> tuple[list[WishDoc], list[WishDoc], dict[str, str]]:
    """Train rows as seeds and test rows as queries, with their intents as gold groups."""
    gold: dict[str, str] = {}
    parts: list[list[WishDoc]] = []
    for split in ("train", "test"):
        docs = []
        for number, row in enumerate(read_rows(shared / "banking77" / f"{split}.csv")):
            doc = WishDoc(id=f"{split}{number}", text=row["text"])
            gold[doc.id] = row["category"]
            docs.append(doc)
        parts.append(docs)
    return parts[0], parts[1], gold


def openoffice(shared: Path) -> tuple[list[WishDoc], dict[str, str]]:
    """Reports (title and description; product and component as marking) by bug id, and gold groups."""
    rows = read_rows(shared / "dups_openoffice" / "OfficeDupsTestWithMetaData.tsv", delimiter="\t")
    reports: dict[str, WishDoc] = {}
    for row in rows:
        for side in ("x", "y"):
            bug = row[f"bug_id_{side}"]
            text = f"{row[f'title_{side}']}. {row[f'description_{side}']}"
            reports[bug] = WishDoc(bug, text, row[f"product_{side}"] or None, row[f"component_{side}"] or None)
    ordered = sorted(reports.values(), key=lambda doc: int(doc.id))
    pairs = [(row["bug_id_x"], row["bug_id_y"]) for row in rows]
    closure = gold_clusters(pairs, (doc.id for doc in ordered))
    return ordered, closure


def without_marking(docs: Sequence[WishDoc]) -> list[WishDoc]:
    """The same wishes with their marking dropped."""
    return [WishDoc(doc.id, doc.text) for doc in docs]


def print_section(title: str, lines: Sequence[str]) -> None:
    print(f"\n== {title}")
    for line in lines:
        print(f"   {line}")


def run_banking(shared: Path, policy: GroupingPolicy) -> None:
    seeds, queries, gold = banking77(shared)
    started = time.perf_counter()
    report = evaluate(seeds, queries, gold, policy)
    lines = [*report.lines(), f"evaluation took {time.perf_counter() - started:.1f} s"]
    print_section("banking77: train seeds 77 intent groups, test queries them", lines)


def run_openoffice(shared: Path, policy: GroupingPolicy) -> None:
    reports, closure = openoffice(shared)
    _, banking_test, banking_gold = banking77(shared)
    sample = banking_test[::DISTRACTOR_STEP]
    distractors = [WishDoc(f"distractor-{doc.id}", doc.text) for doc in sample]
    gold = dict(closure)
    gold.update({f"distractor-{doc.id}": f"banking77:{banking_gold[doc.id]}" for doc in sample})
    for label, docs in (("with product/component marking", reports), ("text only", without_marking(reports))):
        seeds, queries = split_seeds([(doc, closure[doc.id]) for doc in docs])
        started = time.perf_counter()
        report = evaluate([*seeds, *distractors], queries, gold, policy)
        predicted = cluster([*seeds, *distractors, *queries], policy)
        office_groups = {predicted[doc.id] for doc in docs}
        merged = sum(1 for doc in distractors if predicted[doc.id] in office_groups)
        office_only = pairwise_scores({doc.id: predicted[doc.id] for doc in docs}, closure)
        lines = [
            *report.lines(),
            f"office reports alone: pairwise P {office_only.precision:.3f} R {office_only.recall:.3f}",
            f"over-merging: {merged} of {len(distractors)} banking77 distractors clustered with an office report",
            f"evaluation took {time.perf_counter() - started:.1f} s",
        ]
        title = f"dups_openoffice {label}: {len(docs)} reports, {len(set(closure.values()))} gold groups"
        print_section(f"{title}, {len(distractors)} banking77 distractors", lines)


def perturb(text: str, rng: random.Random) -> str:
    """Light noise: maybe drop a word, swap two neighbours, and mistype one letter."""
    words = text.split()
    if len(words) > 3 and rng.random() < 0.5:
        del words[rng.randrange(len(words))]
    if len(words) > 3 and rng.random() < 0.3:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    if words and rng.random() < 0.3:
        i = rng.randrange(len(words))
        word = words[i]
        if len(word) > 3:
            alphabet = LETTERS["cyrillic" if any("а" <= c <= "я" for c in word.lower()) else "latin"]
            j = rng.randrange(len(word))
            words[i] = word[:j] + rng.choice(alphabet) + word[j + 1 :]
    return " ".join(words)


def synthesize(shared: Path, size: int, seed: int = 7) -> list[WishDoc]:
    """``size`` wishes drawn with replacement from banking77 and openoffice texts, each lightly perturbed."""
    seeds, queries, _ = banking77(shared)
    reports, _ = openoffice(shared)
    pool = [*seeds, *queries, *reports]
    rng = random.Random(seed)
    wishes = []
    for number in range(size):
        base = pool[rng.randrange(len(pool))]
        wishes.append(WishDoc(f"s{number}", perturb(base.text, rng), base.category, base.subcategory))
    return wishes


def memory_mb() -> tuple[float, float]:
    """Current and peak resident memory of this process in MB (Linux /proc; else the peak twice)."""
    status = Path("/proc/self/status")
    if status.exists():
        fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return peak, peak


def time_cluster(shared: Path, size: int) -> dict[str, float]:
    """Cluster ``size`` synthetic wishes in this process: seconds, groups and memory."""
    wishes = synthesize(shared, size)
    before, _ = memory_mb()
    started = time.perf_counter()
    groups = cluster(wishes, GroupingPolicy())
    seconds = time.perf_counter() - started
    return {"size": size, "seconds": seconds, "groups": len(set(groups.values())), "before_mb": before,
            "peak_mb": memory_mb()[1]}


def run_speed(shared: Path, sizes: Sequence[int]) -> None:
    lines = [
        "synthetic wishes: banking77 train+test and openoffice reports (with their marking) drawn with replacement,",
        "each with p=.5 one word dropped, p=.3 two neighbours swapped, p=.3 one letter mistyped; default policy",
    ]
    for size in sizes:
        command = [sys.executable, __file__, "--shared", str(shared), "--time-cluster", str(size)]
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        lines.append(
            f"cluster {result['size']:>7,} wishes: {result['seconds']:.1f} s, {result['groups']:,.0f} groups, "
            f"peak RSS {result['peak_mb']:.0f} MB, {result['peak_mb'] - result['before_mb']:.0f} MB above "
            f"the {result['before_mb']:.0f} MB the process held before clustering"
        )
    print_section("speed and memory of cluster() on 2 threads", lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data", help="shared data folder")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000], help="batch sizes to time")
    parser.add_argument("--time-cluster", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    shared = args.shared.resolve()
    if not (shared / "banking77").is_dir() or not (shared / "dups_openoffice").is_dir():
        sys.exit(f"shared data not found under {shared} (expected banking77/ and dups_openoffice/); use --shared PATH")
    if args.time_cluster:
        print(json.dumps(time_cluster(shared, args.time_cluster)))
        return
    policy = GroupingPolicy()
    print(f"policy: {policy}")
    run_banking(shared, policy)
    run_openoffice(shared, policy)
    run_speed(shared, args.sizes)


if __name__ == "__main__":
    main()
