"""One way to turn a document's flowables into PDF bytes on the agency letterhead.

Every renderer (care plan, transition summary, referral letter, packets) sets up the same page frame: the
page settings (defaulting when none are given), the generic title, the member in the footer, and the optional
password. They differ only in the flowables they print, which `build` supplies once the body width is known.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reportlab.platypus import Flowable

from hhdesk.documents.blocks import member_identity
from hhdesk.documents.data import Letterhead, MemberSummary, PageSettings
from hhdesk.documents.letterhead import LetterheadDocTemplate

FlowableBuilder = Callable[[PageSettings, float], Sequence[Flowable]]


def render_on_letterhead(
    build: FlowableBuilder,
    *,
    letterhead: Letterhead,
    settings: PageSettings | None,
    title: str,
    member: MemberSummary | None,
    password: str | None = None,
    first_template: str = "letterhead",
) -> bytes:
    """The PDF bytes of `build(settings, body_width)` on the letterhead.

    With `member` None the footers name no member until the flowables start a `MemberSection` (batch prints).
    """
    settings = settings or PageSettings()
    identity = None if member is None else member_identity(member.name, member.date_of_birth, settings)
    template = LetterheadDocTemplate(
        letterhead=letterhead,
        settings=settings,
        title=title,
        member_identity=identity,
        password=password,
        first_template=first_template,
    )
    return template.render(build(settings, template.width))
