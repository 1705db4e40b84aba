"""Coupon codes: typable, unguessable, and a typo or tampering is caught before any lookup."""

import pytest

from promotions.codes import ALPHABET, CODE_LENGTH, code_display, code_new, code_normalise, code_well_formed


def test_new_codes_are_12_characters_of_an_unambiguous_alphabet_and_differ():
    codes = {code_new() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == CODE_LENGTH and code_well_formed(code)
        assert not set(code) & set("01IO")


def test_every_single_mistyped_character_is_caught():
    for _ in range(50):
        code = code_new()
        for position in range(CODE_LENGTH):
            for char in ALPHABET.replace(code[position], ""):
                assert not code_well_formed(code[:position] + char + code[position + 1:])


@pytest.mark.parametrize("typed", ["  {g1} {g2} {g3} ", "{g1}-{g2}-{g3}", "{lower}"])
def test_spaces_dashes_and_small_letters_are_what_people_type(typed):
    code = code_new()
    groups = code_display(code).split()
    text = typed.format(g1=groups[0], g2=groups[1], g3=groups[2], lower=code.lower())
    assert code_normalise(text) == code and code_well_formed(code_normalise(text))


@pytest.mark.parametrize("text", ["", "ABC", "A" * 13, "2345678923\x004"])
def test_wrong_lengths_and_characters_are_not_codes(text):
    assert not code_well_formed(code_normalise(text))
