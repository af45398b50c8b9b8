"""Personal identifiers are encrypted at rest and found by a keyed hash."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from models import Subject, vault_of
from models.pii import DecryptionError, Vault

KEY = bytes(range(32))


@given(st.text(max_size=64))
def test_encrypt_then_decrypt_gives_the_value_back(value: str) -> None:
    vault = Vault(KEY)
    assert vault.decrypt(vault.encrypt(value, context="c"), context="c") == value


def test_the_same_value_encrypts_differently_each_time() -> None:
    vault = Vault(KEY)
    assert vault.encrypt("371502199001011234", context="c") != vault.encrypt(
        "371502199001011234", context="c"
    )


def test_a_value_moved_to_another_column_does_not_decrypt() -> None:
    vault = Vault(KEY)
    sealed = vault.encrypt("13800138000", context="wechat_user.phone")
    with pytest.raises(DecryptionError):
        vault.decrypt(sealed, context="person.id_number")


def test_another_key_cannot_decrypt_and_hashes_differ() -> None:
    sealed = Vault(KEY).encrypt("secret", context="c")
    other = Vault(os.urandom(32))
    with pytest.raises(DecryptionError):
        other.decrypt(sealed, context="c")
    assert Vault(KEY).lookup_hash("x", context="c") != other.lookup_hash("x", context="c")


def test_tampered_ciphertext_is_refused() -> None:
    vault = Vault(KEY)
    sealed = bytearray(vault.encrypt("371502199001011234", context="c"))
    sealed[-1] ^= 1
    with pytest.raises(DecryptionError):
        vault.decrypt(bytes(sealed), context="c")


def test_lookup_hash_is_stable_and_keyed() -> None:
    vault = Vault(KEY)
    assert vault.lookup_hash("a", context="c") == Vault(KEY).lookup_hash("a", context="c")
    assert vault.lookup_hash("a", context="c") != vault.lookup_hash("a", context="d")
    assert len(vault.lookup_hash("a", context="c")) == 32


def test_id_number_is_not_stored_in_clear(session) -> None:
    vault = vault_of(session)
    number = "371502198001010016"
    session.add(
        Subject(
            kind="person",
            identity_hash=vault.lookup_hash(number, context="person.id_number"),
            id_number_enc=vault.encrypt(number, context="person.id_number"),
            name="张三",
            facts={"birth_date": "1980-01-01"},
        )
    )
    session.commit()
    raw = session.execute(text("SELECT * FROM subjects")).mappings().one()
    assert all(number not in str(value) for value in raw.values())
    found = session.scalars(
        select(Subject).where(
            Subject.identity_hash == vault.lookup_hash(number, context="person.id_number")
        )
    ).one()
    assert vault.decrypt(found.id_number_enc, context="person.id_number") == number
