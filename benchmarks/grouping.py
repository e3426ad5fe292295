"""Quality and speed of similar-wish grouping on the shared data sets (the dev sets the defaults were chosen on).

Usage: python benchmarks/grouping.py [--shared ../shared/data] [--encoder use] [--sizes 10000 50000 100000]
                                     [--intake 10000] [--only quality|speed]

Quality, per data set: Recall@1, Recall@5 and MRR of finding the right group among the suggestions, and the
precision of automatic joins over every query (new wishes included: joining one is a wrong join) with their
coverage; 95 % intervals (Wilson, bootstrap for MRR). banking77: train rows seed 61 intents, every fifth
intent is held out so its test rows are new wishes, all 3,080 test rows query. dups_openoffice: per gold
group of duplicates the older half seeds and the rest query, every fifth group is held out whole, and 1,027
banking77 texts join the seeds as distractors. rutube_dev: the same split over its 131 answer groups, with
and without the agents' two-level topics as marking.

Speed, on synthetic wishes (banking77 and openoffice texts drawn with replacement and lightly perturbed), each
size in a fresh process so that its peak memory is its own: building the index at start (every text encoded),
adding one wish as intake does (is it a repeat? then index it; its vector is left for the next ranking), and a
group page's similar-groups query (the suggestions for each of a group's three wishes; the first page also
encodes the 100 wishes just added); then intake during a sync: pages of 100 wish tickets stored and grouped in
one transaction each, into a fresh SQLite store, against the process's live index.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bridge.text.encoders import DEFAULT_ENCODER, Encoder, load_encoder  # noqa: E402
from bridge.grouping.evaluation import NEW_GROUP_SHARE, evaluate, gold_clusters, split_seeds  # noqa: E402
from bridge.grouping.similarity import GroupIndex, GroupingPolicy, WishDoc  # noqa: E402

DISTRACTOR_STEP = 3
LETTERS = {"latin": "abcdefghijklmnopqrstuvwxyz", "cyrillic": "абвгдежзийклмнопрстуфхцчшщыьэюя"}
PROBES = 100
PAGE = 100


def read_rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    """All rows of a delimited file as dicts."""
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def banking77(shared: Path) -> tuple[list[WishDoc], list[WishDoc], dict[str, str]]:
    """Train rows and test rows, with their intents as gold groups."""
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


def rutube(shared: Path) -> list[tuple[WishDoc, str]]:
    """Questions with the agents' two-level topic as marking, and their answer group."""
    rows = read_rows(shared / "rutube_dev" / "real_cases_dev.csv")
    return [(WishDoc(f"q{n}", row["question"], row["level1"] or None, row["level2"] or None), row["group"])
            for n, row in enumerate(rows)]


def without_marking(docs: Sequence[WishDoc]) -> list[WishDoc]:
    return [WishDoc(doc.id, doc.text) for doc in docs]


def print_section(title: str, lines: Sequence[str]) -> None:
    print(f"\n== {title}", flush=True)
    for line in lines:
        print(f"   {line}", flush=True)


def run_banking(shared: Path, policy: GroupingPolicy, encoder: Encoder | None) -> None:
    train, test, gold = banking77(shared)
    intents = sorted(set(gold.values()))
    held_out = set(intents[NEW_GROUP_SHARE - 1 :: NEW_GROUP_SHARE])
    seeds = [doc for doc in train if gold[doc.id] not in held_out]
    report = evaluate(seeds, test, gold, policy, encoder)
    print_section(f"banking77: train rows seed {len(intents) - len(held_out)} intents, {len(held_out)} held out, "
                  "all test rows query", report.lines())


def run_openoffice(shared: Path, policy: GroupingPolicy, encoder: Encoder | None) -> None:
    reports, closure = openoffice(shared)
    _, banking_test, banking_gold = banking77(shared)
    sample = banking_test[::DISTRACTOR_STEP]
    distractors = [WishDoc(f"distractor-{doc.id}", doc.text) for doc in sample]
    gold = dict(closure)
    gold.update({f"distractor-{doc.id}": f"banking77:{banking_gold[doc.id]}" for doc in sample})
    seeds, queries = split_seeds([(doc, closure[doc.id]) for doc in reports])
    report = evaluate([*seeds, *distractors], queries, gold, policy, encoder)
    print_section(f"dups_openoffice with product/component marking: {len(reports)} reports, "
                  f"{len(set(closure.values()))} gold groups, {len(distractors)} banking77 distractors", report.lines())


def run_rutube(shared: Path, policy: GroupingPolicy, encoder: Encoder | None) -> None:
    rows = rutube(shared)
    gold = {doc.id: group for doc, group in rows}
    seeds, queries = split_seeds(rows)
    for label, (s, q) in (("with the agents' topics as marking", (seeds, queries)),
                          ("text only", (without_marking(seeds), without_marking(queries)))):
        report = evaluate(s, q, gold, policy, encoder)
        print_section(f"rutube_dev {label}: {len(rows)} questions, {len(set(gold.values()))} answer groups",
                      report.lines())


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


def memory_mb() -> float:
    """Peak resident memory of this process in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def milliseconds(samples: Sequence[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"p50 {1000 * statistics.median(ordered):.1f} ms, p95 {1000 * p95:.1f} ms"


def time_index(shared: Path, size: int, encoder_name: str) -> dict[str, object]:
    """Build an index of ``size`` synthetic wishes, then time adding wishes and a group page's query."""
    encoder = load_encoder(encoder_name)
    wishes = synthesize(shared, size + PROBES)
    started = time.perf_counter()
    index = GroupIndex(GroupingPolicy(), encoder)
    index.add_many([(doc, f"g{number // 3}") for number, doc in enumerate(wishes[:size])])
    build = time.perf_counter() - started
    adds = []
    for doc in wishes[size:]:
        started = time.perf_counter()
        decision = index.decide(doc, 0)   # as intake decides: a repeat or a new group, nothing ranked
        index.add(doc, decision.join or f"new-{doc.id}")
        adds.append(time.perf_counter() - started)
    pages = []
    for group in range(0, size // 3, max(1, size // 3 // PROBES)):
        started = time.perf_counter()
        for member in index.members_of(f"g{group}"):
            index.suggest(index.doc(member), 5, exclude=[f"g{group}"])
        pages.append(time.perf_counter() - started)
    return {"size": size, "build": build, "add": milliseconds(adds), "page": milliseconds(pages),
            "peak_mb": memory_mb()}


class AllWishes:
    """A helpdesk mapping that marks every ticket a wish, with the ticket's own category."""

    def apply(self, ticket: object) -> object:
        from bridge.model import Marking

        return Marking(is_wish=True, tags=getattr(ticket, "tags", ()))

    def unmapped(self, ticket: object) -> tuple[tuple[str, str], ...]:
        """Nothing is left unmapped: no field is read."""
        return ()


def time_intake(shared: Path, tickets: int, encoder_name: str) -> dict[str, object]:
    """Store and group ``tickets`` wish tickets page by page into a fresh SQLite store, as a sync does."""
    from bridge.mapping import load_mappings
    from bridge.model import Ticket, TicketRef
    from bridge.store import open_engine, upgrade
    from bridge.sync.intake import intake_tickets
    from bridge.sync.pull import SyncSummary, store_tickets

    wishes = synthesize(shared, tickets)
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder) / "mappings"
        subprocess.run(["cp", "-r", str(ROOT / "mappings"), str(directory)], check=True)
        grouping = (directory / "grouping.yaml").read_text().replace("encoder: use", f"encoder: {encoder_name}")
        (directory / "grouping.yaml").write_text(grouping)
        mappings = load_mappings(directory)
        engine = open_engine(f"sqlite:///{folder}/store.db")
        upgrade(engine)
        now = datetime.now(UTC)
        rates = []
        started = time.perf_counter()
        for start in range(0, tickets, PAGE):
            page_started = time.perf_counter()
            page = [Ticket(ref=TicketRef("bench", doc.id), subject="", body=doc.text, created_at=now,
                           updated_at=now) for doc in wishes[start : start + PAGE]]
            with engine.begin() as conn:
                ids = store_tickets(conn, page, AllWishes(), SyncSummary("bench"))  # type: ignore[arg-type]
                intake_tickets(conn, ids, mappings)
            rates.append(len(page) / (time.perf_counter() - page_started))
        seconds = time.perf_counter() - started
        engine.dispose()
    tail = rates[-max(1, len(rates) // 5) :]
    return {"tickets": tickets, "seconds": seconds, "rate": tickets / seconds,
            "last_rate": statistics.mean(tail), "peak_mb": memory_mb()}


def in_child(*arguments: str) -> dict[str, object]:
    command = [sys.executable, __file__, *arguments]
    return dict(json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout))


def run_speed(shared: Path, sizes: Sequence[int], intake: int, encoder_name: str) -> None:
    lines = [f"encoder {encoder_name}, default policy; synthetic wishes: banking77 and openoffice texts drawn with "
             "replacement, each with p=.5 a word dropped, p=.3 two neighbours swapped, p=.3 a letter mistyped"]
    for size in sizes:
        result = in_child("--shared", str(shared), "--encoder", encoder_name, "--time-index", str(size))
        lines.append(f"{result['size']:>7,} wishes: index built at start in {result['build']:.1f} s; adding one wish "
                     f"{result['add']}; a group page's similar groups {result['page']}; peak RSS "
                     f"{result['peak_mb']:.0f} MB")
    if intake:
        result = in_child("--shared", str(shared), "--encoder", encoder_name, "--time-intake", str(intake))
        lines.append(f"intake during sync, {result['tickets']:,} wish tickets in pages of {PAGE} into SQLite: "
                     f"{result['rate']:,.0f} tickets/s overall, {result['last_rate']:,.0f} tickets/s over the last "
                     f"fifth; peak RSS {result['peak_mb']:.0f} MB")
    print_section("speed", lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data", help="shared data folder")
    parser.add_argument("--encoder", default=DEFAULT_ENCODER, help="use, e5 or none")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 50_000, 100_000], help="index sizes")
    parser.add_argument("--intake", type=int, default=10_000, help="wish tickets to take in (0: skip)")
    parser.add_argument("--only", choices=["quality", "speed"])
    parser.add_argument("--time-index", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--time-intake", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    shared = args.shared.resolve()
    if not all((shared / name).is_dir() for name in ("banking77", "dups_openoffice", "rutube_dev")):
        sys.exit(f"shared data not found under {shared} (expected banking77/, dups_openoffice/ and rutube_dev/)")
    if args.time_index:
        print(json.dumps(time_index(shared, args.time_index, args.encoder)))
        return
    if args.time_intake:
        print(json.dumps(time_intake(shared, args.time_intake, args.encoder)))
        return
    policy = GroupingPolicy()
    encoder = load_encoder(args.encoder)
    print(f"policy: {policy}; encoder {args.encoder}")
    if args.only != "speed":
        run_banking(shared, policy, encoder)
        run_openoffice(shared, policy, encoder)
        run_rutube(shared, policy, encoder)
    if args.only != "quality":
        run_speed(shared, args.sizes, args.intake, args.encoder)


if __name__ == "__main__":
    main()
