"""A member's conditions: ICD-10-CM codes, the chronic-condition category each suggests, and code search.

The category a code suggests is a default the care manager may change on the condition: whether a
depression is a *serious and persistent* mental illness, for instance, depends on how much it impairs the
person, which no code says. The mapping below is ours (a product decision), chosen to be conservative: a
code that might or might not count gets the weaker category, or none.

| codes | category |
|---|---|
| F20-F29 schizophrenia spectrum and other psychotic disorders, F31 bipolar disorder, F32.2, F32.3, F33.2, F33.3 severe major depression | smi |
| F10-F16, F18, F19 alcohol and drug use disorders | substance_use |
| F17 nicotine dependence | none: tobacco use alone is not accepted as the substance-use condition |
| F70-F79 intellectual disabilities, F80-F89 developmental disorders | other_chronic |
| every other F code | mental_health |
| J45 asthma | asthma |
| E08-E11, E13 diabetes mellitus (not O24 gestational, not R73.03 prediabetes) | diabetes |
| I05-I09, I10-I16 (hypertension counts, as in NY's 'cardiovascular disease, e.g. hypertension'), I20-I25, I27, I34-I37, I42-I45, I47-I50 | heart_disease |
| E66 overweight and obesity; Z68.26-Z68.45 adult BMI 26 and over; Z68.54-Z68.56 child BMI 85th percentile and over | overweight |
| B20 HIV disease, Z21 asymptomatic HIV, O98.7 HIV in pregnancy | hiv_aids |

The code set is the one shipped by the ``simple_icd_10_cm`` package, held in memory; it is imported on
first use only, as loading it takes a second or two.
"""

from __future__ import annotations

import bisect
import heapq
import re
import threading
import warnings
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from hhdesk.domain.enums import ChronicCategory
from hhdesk.domain.errors import DomainError
from hhdesk.domain.identifiers import fold_text

if TYPE_CHECKING:
    from types import ModuleType


@dataclass(frozen=True)
class Condition:
    """A diagnosis on the member's record, or (at_risk) a condition the member is at risk of."""

    icd10: str | None
    description: str
    category: ChronicCategory | None
    at_risk: bool = False


# Category (letter, digit, digit-or-letter), then up to four more characters, the dot optional.
_ICD10_FORMAT = re.compile(r"[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?")


def normalise_icd10(code: str) -> str:
    """The stored form of a code: upper case, with the dot after the third character ('e119' -> 'E11.9').

    Text that is not shaped like a code comes back stripped and upper-cased, so that a later format
    check can reject it.
    """
    compact = code.strip().upper().replace(".", "")
    if _ICD10_FORMAT.fullmatch(compact) is None:
        return code.strip().upper()
    return compact if len(compact) == 3 else f"{compact[:3]}.{compact[3:]}"


def is_icd10_format(code: str) -> bool:
    """Whether text is shaped like an ICD-10-CM code, with or without the dot (not whether it exists)."""
    text = code.strip().upper()
    if "." in text and text.index(".") != 3:
        return False
    return _ICD10_FORMAT.fullmatch(text) is not None


def is_known_icd10(code: str) -> bool:
    """Whether the code exists in the ICD-10-CM code set (category, subcategory or full code)."""
    if not is_icd10_format(code):
        return False
    return bool(_icd().is_valid_item(normalise_icd10(code)))


def icd10_description(code: str) -> str | None:
    """The official short description of a code, or None if it is not in the code set."""
    if not is_known_icd10(code):
        return None
    return str(_icd().get_description(normalise_icd10(code)))


# Ranges over the code without its dot, compared on the first len(first) characters. Order matters:
# the first matching rule wins, so the narrow rules come before the broad ones.
_CATEGORY_RULES: tuple[tuple[str, str, ChronicCategory | None], ...] = (
    ("F20", "F29", ChronicCategory.SMI),
    ("F31", "F31", ChronicCategory.SMI),
    ("F322", "F323", ChronicCategory.SMI),
    ("F332", "F333", ChronicCategory.SMI),
    ("F17", "F17", None),
    ("F10", "F19", ChronicCategory.SUBSTANCE_USE),
    ("F70", "F89", ChronicCategory.OTHER_CHRONIC),
    ("F01", "F99", ChronicCategory.MENTAL_HEALTH),
    ("J45", "J45", ChronicCategory.ASTHMA),
    ("E08", "E11", ChronicCategory.DIABETES),
    ("E13", "E13", ChronicCategory.DIABETES),
    ("I05", "I09", ChronicCategory.HEART_DISEASE),
    ("I10", "I16", ChronicCategory.HEART_DISEASE),
    ("I20", "I25", ChronicCategory.HEART_DISEASE),
    ("I27", "I27", ChronicCategory.HEART_DISEASE),
    ("I34", "I37", ChronicCategory.HEART_DISEASE),
    ("I42", "I45", ChronicCategory.HEART_DISEASE),
    ("I47", "I50", ChronicCategory.HEART_DISEASE),
    ("E66", "E66", ChronicCategory.OVERWEIGHT),
    ("Z6826", "Z6845", ChronicCategory.OVERWEIGHT),
    ("Z6854", "Z6856", ChronicCategory.OVERWEIGHT),
    ("B20", "B20", ChronicCategory.HIV_AIDS),
    ("Z21", "Z21", ChronicCategory.HIV_AIDS),
    ("O987", "O987", ChronicCategory.HIV_AIDS),
)


def category_for_icd10(code: str) -> ChronicCategory | None:
    """The chronic-condition category a code suggests (see the module table), or None.

    Works on the code's shape only, so it needs no code set and is instant; a malformed code gives None.
    """
    if not is_icd10_format(code):
        return None
    compact = code.strip().upper().replace(".", "")
    for first, last, category in _CATEGORY_RULES:
        head = compact[: len(first)]
        if len(head) == len(first) and first <= head <= last:
            return category
    return None


def condition_from_icd10(code: str, *, at_risk: bool = False) -> Condition:
    """A Condition for a known code, with its official description and suggested category."""
    description = icd10_description(code)
    if description is None:
        raise DomainError("This is not an ICD-10-CM code.")
    return Condition(normalise_icd10(code), description, category_for_icd10(code), at_risk)


# ---- offline search -------------------------------------------------------------------------------

_WORD = re.compile(r"[0-9a-z]+")
_CODE_LIKE = re.compile(r"[a-z][0-9][0-9a-z.]*")


@dataclass(frozen=True)
class _Icd10Index:
    codes: tuple[str, ...]  # with dot, in the code set's own (tree) order
    descriptions: tuple[str, ...]
    compact_sorted: tuple[str, ...]  # codes without dot, sorted, for prefix ranges
    compact_positions: tuple[int, ...]  # position in `codes` of each compact_sorted entry
    words: tuple[str, ...]  # every word of every description and inclusion term, sorted
    postings: tuple[frozenset[int], ...]  # positions whose text holds words[i]
    word_sets: tuple[frozenset[str], ...]  # the words of each position, for whole-word ranking
    generality_order: tuple[int, ...]  # positions sorted by (code length, position)
    generality_rank: tuple[int, ...]  # the index of each position in generality_order

    def postings_of(self, word: str) -> frozenset[int]:
        at = bisect.bisect_left(self.words, word)
        if at < len(self.words) and self.words[at] == word:
            return self.postings[at]
        return frozenset()


def preload_icd10_index() -> None:
    """Build the search index now (about a second), e.g. in a background thread at start-up."""
    _index()


def search_icd10(text: str, limit: int = 30) -> list[tuple[str, str]]:
    """ICD-10-CM codes matching what was typed, as (code, description) pairs, best first.

    Each typed word must match: a word shaped like a code ('e11', 'E11.6') matches codes starting with
    it, other words match the start of a word in the description or an inclusion term, ignoring case
    and accents. The exact code comes first, then matches on whole words, then matches on word starts;
    within each, shorter (more general) codes first. Chapters and blocks are not returned.
    """
    if limit <= 0:
        return []
    tokens = _tokens(text)
    if not tokens:
        return []
    index = _index()
    exact_code: int | None = None
    code_sets: list[set[int]] = []
    word_tokens: list[str] = []
    for token in tokens:
        code_matches = (
            _code_prefix_positions(index, token.replace(".", "").upper())
            if _CODE_LIKE.fullmatch(token)
            else set()
        )
        if code_matches:
            code_sets.append(code_matches)
            if len(tokens) == 1:
                exact_code = _exact_position(index, token.replace(".", "").upper())
        else:
            # Not a code ('b12' in 'vitamin b12 deficiency'): search it as a word.
            word_tokens.extend(_WORD.findall(token))

    # Tiers: the exact code, then matches on whole words, then matches on word starts; within a tier
    # shorter (more general) codes first. Whole-word matches are looked up directly, so the (larger)
    # word-start sets are built only when the whole-word tier does not fill the page.
    chosen: list[int] = [exact_code] if exact_code is not None else []
    whole_words = _intersect([*code_sets, *(index.postings_of(token) for token in word_tokens)])
    if whole_words is None:
        whole_words = set()
    if exact_code is not None:
        whole_words.discard(exact_code)
    chosen += _most_general(index, whole_words, limit - len(chosen))
    if len(chosen) < limit and word_tokens:
        word_starts = (
            _intersect([*code_sets, *(_word_prefix_positions(index, t) for t in word_tokens)]) or set()
        )
        word_starts -= whole_words
        chosen += _most_general(index, word_starts, limit - len(chosen))
    return [(index.codes[p], index.descriptions[p]) for p in chosen[:limit]]


def _most_general(index: _Icd10Index, positions: set[int], limit: int) -> list[int]:
    """Up to `limit` positions, shorter codes first, then in code-set order."""
    if limit <= 0 or not positions:
        return []
    if len(positions) > 2000:
        # Walking the precomputed order until the page is full beats ranking a huge set.
        found = []
        for position in index.generality_order:
            if position in positions:
                found.append(position)
                if len(found) == limit:
                    break
        return found
    return heapq.nsmallest(limit, positions, key=index.generality_rank.__getitem__)


def _intersect(sets: Sequence[AbstractSet[int]]) -> set[int] | None:
    """The positions in every set, smallest set first; None for no sets, an empty set for no match."""
    if not sets:
        return None
    ordered = sorted(sets, key=len)
    result = set(ordered[0])
    for other in ordered[1:]:
        if not result:
            break
        result &= other
    return result


def _tokens(text: str) -> list[str]:
    folded = fold_text(text)
    # Keep dots inside code-like words ('e11.9'), drop them elsewhere.
    raw = re.findall(r"[0-9a-z.]+", folded)
    tokens = []
    for piece in raw:
        piece = piece.strip(".")
        if not piece:
            continue
        if _CODE_LIKE.fullmatch(piece):
            tokens.append(piece)
        else:
            tokens.extend(_WORD.findall(piece))
    return tokens


def _code_prefix_positions(index: _Icd10Index, compact_prefix: str) -> set[int]:
    start = bisect.bisect_left(index.compact_sorted, compact_prefix)
    end = bisect.bisect_left(index.compact_sorted, compact_prefix + "\uffff", lo=start)
    return set(index.compact_positions[start:end])


def _exact_position(index: _Icd10Index, compact: str) -> int | None:
    at = bisect.bisect_left(index.compact_sorted, compact)
    if at < len(index.compact_sorted) and index.compact_sorted[at] == compact:
        return index.compact_positions[at]
    return None


def _word_prefix_positions(index: _Icd10Index, prefix: str) -> AbstractSet[int]:
    start = bisect.bisect_left(index.words, prefix)
    end = bisect.bisect_left(index.words, prefix + "\uffff", lo=start)
    if end - start == 1:
        return index.postings[start]
    found: set[int] = set()
    for posting in index.postings[start:end]:
        found |= posting
    return found


# The code set fills its code list lazily and without a lock, and the index is cached once built: two
# threads building it at once (a preload and the first search) could cache an index missing codes.
_INDEX_LOCK = threading.Lock()


def _index() -> _Icd10Index:
    with _INDEX_LOCK:
        return _build_index()


@lru_cache(maxsize=1)
def _build_index() -> _Icd10Index:
    icd = _icd()
    codes: list[str] = []
    descriptions: list[str] = []
    word_sets: list[frozenset[str]] = []
    postings: dict[str, set[int]] = {}
    seen: set[str] = set()
    for code in icd.get_all_codes(True):
        # Chapters are numbers ('1') and blocks are ranges ('A00-A09'); only real codes are offered.
        # A few codes are listed twice by the code set (under two blocks); offer them once.
        if "-" in code or code.isdigit() or code in seen:
            continue
        seen.add(code)
        position = len(codes)
        description = str(icd.get_description(code))
        texts = [description, *icd.get_inclusion_term(code)]
        words = frozenset(word for t in texts for word in _WORD.findall(fold_text(t)))
        codes.append(code)
        descriptions.append(description)
        word_sets.append(words)
        for word in words:
            postings.setdefault(word, set()).add(position)
    compact = sorted((code.replace(".", ""), position) for position, code in enumerate(codes))
    sorted_words = sorted(postings)
    order = sorted(range(len(codes)), key=lambda position: (len(codes[position]), position))
    rank = [0] * len(codes)
    for place, position in enumerate(order):
        rank[position] = place
    return _Icd10Index(
        codes=tuple(codes),
        descriptions=tuple(descriptions),
        compact_sorted=tuple(c for c, _ in compact),
        compact_positions=tuple(p for _, p in compact),
        words=tuple(sorted_words),
        postings=tuple(frozenset(postings[w]) for w in sorted_words),
        word_sets=tuple(word_sets),
        generality_order=tuple(order),
        generality_rank=tuple(rank),
    )


def _icd() -> ModuleType:
    # The package loads its data with a deprecated importlib call; its warning is not ours to act on,
    # and must not become an error where warnings are errors (the test suite).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm
