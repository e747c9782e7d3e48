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

The code set is CMS's ICD-10-CM, read from ``resources/icd10cm/codes.tsv.gz`` on first use (see the
README there; ``installers/build_icd10_table.py`` writes it from the ``simple_icd_10_cm`` package, which
hhdesk does not import at run time). That file is reference data, like the enums: read-only, shipped with
the program, never the member's data, so the domain reads it (the one file it reads) rather than have
every caller pass the code set in.
"""

from __future__ import annotations

import bisect
import gzip
import heapq
import re
import threading
from array import array
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, chain, islice

from hhdesk.domain.enums import ChronicCategory
from hhdesk.domain.errors import DomainError
from hhdesk.domain.identifiers import fold_text
from hhdesk.resources_path import resource_path


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
    return _known_position(code) is not None


def icd10_description(code: str) -> str | None:
    """The official short description of a code, or None if it is not in the code set."""
    position = _known_position(code)
    return None if position is None else _table().descriptions[position]


def _known_position(code: str) -> int | None:
    if not is_icd10_format(code):
        return None
    return _exact_position(_table(), normalise_icd10(code))


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


# ---- the code table and offline search ------------------------------------------------------------

_TABLE_FILE = "icd10cm/codes.tsv.gz"
_WORD = re.compile(r"[0-9a-z]+")
_CODE_LIKE = re.compile(r"[a-z][0-9][0-9a-z.]*")
_ESCAPED = re.compile(r"\\(.)")
_UNESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
# Above this many matches, walking the positions in order to fill a page beats sorting the matches.
_WALK_ABOVE = 2000


@dataclass(frozen=True)
class _PackedStrings:
    """Strings stored end to end in one str, for a table of many short ones.

    A str object costs about 50 bytes besides its characters; for 98,000 codes and descriptions that
    overhead would be more than the text itself.
    """

    text: str
    ends: array[int]  # where each string ends in text

    @classmethod
    def of(cls, strings: Sequence[str]) -> _PackedStrings:
        return cls("".join(strings), array("I", accumulate(map(len, strings))))

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, index: int) -> str:
        return self.text[self.ends[index - 1] if index > 0 else 0 : self.ends[index]]


@dataclass(frozen=True)
class _CodeTable:
    """The code set as parallel sequences indexed by position, with a word index over it.

    Positions run by code length, then in the code set's own (tree) order: most general first, the
    order search results come in, so ranking matches is sorting integers. About 13 MB in all.
    """

    codes: _PackedStrings  # with the dot
    descriptions: _PackedStrings
    by_code: array[int]  # positions sorted by code, for exact lookups and prefix ranges
    words: _PackedStrings  # every folded word of every description and inclusion term, sorted
    postings: array[int]  # for each word in turn, the ascending positions whose texts hold it
    postings_ends: array[int]  # where each word's positions end in postings

    def postings_at(self, word_index: int) -> array[int]:
        start = self.postings_ends[word_index - 1] if word_index > 0 else 0
        return self.postings[start : self.postings_ends[word_index]]

    def postings_of(self, word: str) -> Sequence[int]:
        at = bisect.bisect_left(range(len(self.words)), word, key=self.words.__getitem__)
        if at < len(self.words) and self.words[at] == word:
            return self.postings_at(at)
        return ()


def preload_icd10_index() -> None:
    """Load the code table now (about half a second), e.g. in a background thread at start-up."""
    _table()


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
    table = _table()
    exact_code: int | None = None
    code_sets: list[Sequence[int]] = []
    word_tokens: list[str] = []
    for token in tokens:
        code_matches = _code_prefix_positions(table, _dotted(token)) if _CODE_LIKE.fullmatch(token) else []
        if code_matches:
            code_sets.append(code_matches)
            if len(tokens) == 1:
                exact_code = _exact_position(table, _dotted(token))
        else:
            # Not a code ('b12' in 'vitamin b12 deficiency'): search it as a word.
            word_tokens.extend(_WORD.findall(token))

    # Tiers: the exact code, then matches on whole words, then matches on word starts; within a tier
    # shorter (more general) codes first. Whole-word matches are looked up directly, so the (larger)
    # word-start sets are built only when the whole-word tier does not fill the page.
    chosen: list[int] = [exact_code] if exact_code is not None else []
    whole_words = _intersect([*code_sets, *(table.postings_of(token) for token in word_tokens)])
    if exact_code is not None:
        whole_words.discard(exact_code)
    chosen += _most_general(len(table.codes), whole_words, limit - len(chosen))
    if len(chosen) < limit and word_tokens:
        word_starts = _intersect([*code_sets, *(_word_prefix_positions(table, t) for t in word_tokens)])
        word_starts -= whole_words
        chosen += _most_general(len(table.codes), word_starts, limit - len(chosen))
    return [(table.codes[p], table.descriptions[p]) for p in chosen[:limit]]


def _most_general(size: int, positions: set[int], limit: int) -> list[int]:
    """Up to `limit` of the positions, smallest (most general) first."""
    if limit <= 0 or not positions:
        return []
    if len(positions) > _WALK_ABOVE:
        return list(islice(filter(positions.__contains__, range(size)), limit))
    return heapq.nsmallest(limit, positions)


def _intersect(collections: Sequence[Collection[int]]) -> set[int]:
    """The positions in every collection (none for no collections), smallest collection first."""
    if not collections:
        return set()
    ordered = sorted(collections, key=len)
    result = set(ordered[0])
    for other in ordered[1:]:
        if not result:
            break
        result.intersection_update(other)
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


def _dotted(token: str) -> str:
    """A code-like token in the table's form, with the dot after the third character ('e119' -> 'E11.9')."""
    compact = token.replace(".", "").upper()
    return compact if len(compact) <= 3 else f"{compact[:3]}.{compact[3:]}"


def _code_prefix_positions(table: _CodeTable, prefix: str) -> Sequence[int]:
    """The positions of the codes that start with a prefix in the table's (dotted) form."""
    # Every code has its dot after the third character, so dotted codes sort as their compact forms do,
    # and 'E11.9x' starts with 'E11.9' exactly when 'E119x' starts with 'E119'.
    key = table.codes.__getitem__
    start = bisect.bisect_left(table.by_code, prefix, key=key)
    end = bisect.bisect_left(table.by_code, prefix + "\uffff", lo=start, key=key)
    return table.by_code[start:end]


def _exact_position(table: _CodeTable, code: str) -> int | None:
    at = bisect.bisect_left(table.by_code, code, key=table.codes.__getitem__)
    if at < len(table.by_code) and table.codes[table.by_code[at]] == code:
        return table.by_code[at]
    return None


def _word_prefix_positions(table: _CodeTable, prefix: str) -> Collection[int]:
    words = range(len(table.words))
    start = bisect.bisect_left(words, prefix, key=table.words.__getitem__)
    end = bisect.bisect_left(words, prefix + "\uffff", lo=start, key=table.words.__getitem__)
    if end - start == 1:
        return table.postings_at(start)
    found: set[int] = set()
    for word_index in range(start, end):
        found.update(table.postings_at(word_index))
    return found


# Two threads loading at once (a preload and the first search) would each read the table, doubling the
# wait and, for a moment, the memory; the lock makes the second wait for the first one's table.
_TABLE_LOCK = threading.Lock()


def _table() -> _CodeTable:
    with _TABLE_LOCK:
        return _load_table()


@lru_cache(maxsize=1)
def _load_table() -> _CodeTable:
    """Read resources/icd10cm/codes.tsv.gz (its format: installers/build_icd10_table.py)."""
    with gzip.open(resource_path(_TABLE_FILE), "rt", encoding="utf-8", newline="\n") as file:
        lines = [line for line in file.read().split("\n")[1:] if line]  # after the header
    # The file is in the code set's (tree) order; a stable sort on the code's length (where its first
    # tab is) gives the positions' order, most general first.
    lines.sort(key=lambda line: line.index("\t"))
    codes: list[str] = []
    descriptions: list[str] = []
    postings: defaultdict[str, list[int]] = defaultdict(list)
    for position, line in enumerate(lines):
        fields = line.split("\t")
        if "\\" in line:
            fields = [_ESCAPED.sub(lambda match: _UNESCAPES[match[1]], field) for field in fields]
        codes.append(fields[0])
        descriptions.append(fields[1])
        text = " ".join(fields[1:])
        # fold_text goes character by character; for plain ASCII (all but a few hundred lines) it is
        # lower(), many times faster.
        folded = text.lower() if text.isascii() else fold_text(text)
        for word in set(_WORD.findall(folded)):
            postings[word].append(position)
    del lines
    words = sorted(postings)
    return _CodeTable(
        codes=_PackedStrings.of(codes),
        descriptions=_PackedStrings.of(descriptions),
        by_code=array("I", sorted(range(len(codes)), key=codes.__getitem__)),
        words=_PackedStrings.of(words),
        postings=array("I", chain.from_iterable(postings[word] for word in words)),
        postings_ends=array("I", accumulate(len(postings[word]) for word in words)),
    )
