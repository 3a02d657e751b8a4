"""The scenario format as pydantic models: the code's schema is the truth.

``Condition`` and ``Effect`` are built from the vocabulary's registries, so a new kind
is added in one place (``sim.vocabulary``) and appears here, in validation and in the
exported JSON Schema at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    create_model,
    model_validator,
)

from sim.actors import ACTORS, ActorId, BlocLabel
from sim.acts import Rules
from sim.vocabulary import CONDITIONS, EFFECTS, Kind, Slug

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
r"""``YYYY-MM`` in ASCII digits (a pattern's ``\d`` would accept any script's digits)."""

Month = Annotated[str, StringConstraints(pattern=MONTH_PATTERN)]
"""A calendar month, ``YYYY-MM``."""

NAME_PATTERN = r"\S"
"""A name with something to read in it: a character that is not a space."""


def _one_line(text: str) -> str:
    """Text on one line, its runs of spaces and line breaks each made one space."""
    return " ".join(text.split())


StateName = Annotated[str, StringConstraints(pattern=NAME_PATTERN), AfterValidator(_one_line)]
"""A state's name as a scenario gives it: not blank; line breaks read as spaces."""


def _two_actors(key: str) -> str:
    a, b = key.split("->")
    if a == b:
        raise ValueError(
            f"expected two different actors (an actor has no attitude towards itself), got {key!r}"
        )
    return key


PairKey = Annotated[
    str,
    StringConstraints(pattern=r"^(" + "|".join(ACTORS) + r")->(" + "|".join(ACTORS) + ")$"),
    AfterValidator(_two_actors),
]
"""A directed pair, ``PAK->USSR``."""


class Strict(BaseModel):
    """Base of every scenario mapping: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _single_key(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value)))
    if isinstance(value, BaseModel):
        return str(next(iter(type(value).model_fields)))
    return None


def _union(table: dict[str, Kind], what: str) -> Any:
    members = []
    for name, kind in table.items():
        model = create_model(  # type: ignore[call-overload]
            f"{what}_{name}",
            __config__=ConfigDict(extra="forbid"),
            __doc__=kind.doc,
            __module__=__name__,
            **{name: (kind.args, Field(description=kind.doc))},
        )
        members.append(Annotated[model, Tag(name)])
    names = ", ".join(sorted(table))
    return Annotated[
        Union[tuple(members)],  # noqa: UP007
        Discriminator(
            _single_key,
            custom_error_type=f"{what.lower()}_kind",
            custom_error_message=f"expected a mapping with exactly one key, one of: {names}",
        ),
    ]


if TYPE_CHECKING:  # the unions are built at run time from the registries
    Condition = BaseModel
    Effect = BaseModel
else:
    Condition = _union(CONDITIONS, "Condition")
    Effect = _union(EFFECTS, "Effect")


def _rebuild_members() -> None:
    import typing

    for union in (Condition, Effect):
        for member in typing.get_args(typing.get_args(union)[0]):
            typing.get_args(member)[0].model_rebuild(_types_namespace={"Condition": Condition})


_rebuild_members()


class Source(Strict):
    """Where an entry comes from: the paper's section and the references it gives."""

    section: str = Field(min_length=1, description="the paper's section heading")
    cites: list[str] = Field(default_factory=list, description="references the paper gives")
    note: str | None = Field(None, description="where the paper is vague, what was chosen")


PAPER_SECTIONS = (
    "Abstract",
    "Introduction",
    "Historical Background of Pakistan-Soviet Relations",
    "Pakistan-Soviet Relations 1947-1954",
    "Pakistan-Soviet Relations 1954-1970",
    "Pakistan-Soviet Relations 1970-1980",
    "Pakistan-Soviet Relations 1980-199",
    "Conclusion",
)
"""The source paper's section headings, as printed (the shipped entries cite these)."""

_CUT_RANGE = re.compile(r"\b[0-9]{4}-[0-9]{1,3}$")
"""A heading that ends in a year range whose last year lacks digits."""


def heading(section: str) -> str:
    """A section of the paper named as its heading is printed, marked where it is cut short.

    The paper heads its last period "Pakistan-Soviet Relations 1980-199". Entries quote the
    heading as printed; what a reader sees adds "[sic]", so that the cut is not taken for
    ours.
    """
    return f"{section} [sic]" if _CUT_RANGE.search(section) else section


def citation(source: Mapping[str, Any]) -> str:
    """An entry's source in one line: the section's heading, then the references it gives."""
    section = heading(str(source.get("section", "")))
    cites = "; ".join(str(c) for c in source.get("cites", []))
    return f"{section} ({cites})" if cites and section else section or cites


class Weights(Strict):
    """How much an actor cares about each part of its utility."""

    security: float = Field(0.4, ge=0, le=10)
    economy: float = Field(0.3, ge=0, le=10)
    ideology: float = Field(0.2, ge=0, le=10)
    prestige: float = Field(0.1, ge=0, le=10)


class WeightFactors(Strict):
    """Factors by which a leader multiplies the state's weights (1: unchanged)."""

    security: float = Field(1.0, ge=0.2, le=5)
    economy: float = Field(1.0, ge=0.2, le=5)
    ideology: float = Field(1.0, ge=0.2, le=5)
    prestige: float = Field(1.0, ge=0.2, le=5)


class LeaderModifiers(Strict):
    """How a leader changes the way the state chooses, relative to its standing values.

    ``rules.leaders`` scales every leader's modifiers at once (0: leaders make no
    difference; 1: as written), so that the fit can say how much they matter.
    """

    weights: WeightFactors = Field(default_factory=WeightFactors)
    temperature: float = Field(1.0, ge=0.2, le=5, description="factor on the temperature")
    ideology: float = Field(
        0.0, ge=-1, le=1, description="shift of the state's ideology when the leader takes office"
    )


class Leader(Strict):
    """Who led an actor from a month on, and how the leader changed its choices."""

    start: Month = Field(alias="from")
    name: str
    regime: str | None = None
    modifiers: LeaderModifiers | None = None
    source: str | None = Field(
        None, min_length=3, description="where the modifiers come from (required with them)"
    )

    @model_validator(mode="after")
    def _sourced(self) -> Leader:
        if self.modifiers is not None and self.source is None:
            raise ValueError("a leader with 'modifiers' must give their 'source'")
        return self


class ActorSpec(Strict):
    """An actor's starting camp, ideology and decision-making."""

    name: StateName | None = Field(
        None, description="what the state is called wherever it is named (default: its usual name)"
    )
    bloc: BlocLabel = "non-aligned"
    ideology: float = Field(0.0, ge=-1, le=1, description="-1 communist .. +1 liberal-capitalist")
    weights: Weights = Field(default_factory=Weights)
    temperature: float | None = Field(None, gt=0, le=1000, description="softmax temperature")
    leaders: list[Leader] = Field(default_factory=list)


class Baseline(Strict):
    """Weights of the structural baseline that attitudes drift towards."""

    history: float = Field(0.6, ge=0, le=2, description="pull of the starting attitude")
    ideology: float = Field(0.3, ge=0, le=2, description="pull of ideological affinity")
    bloc: float = Field(0.3, ge=0, le=2, description="pull of shared or opposed camps")
    aid: float = Field(0.5, ge=0, le=5, description="points of warmth per point of aid received")


class Dynamics(Strict):
    """Coefficients of the monthly attitude dynamics and of the AI's look-ahead."""

    drift: float = Field(0.03, ge=0, le=1, description="monthly pull towards the baseline")
    balance: float = Field(0.02, ge=0, le=1, description="monthly pull towards balanced triads")
    baseline: Baseline = Field(default_factory=Baseline)
    aid_decay: float = Field(0.03, ge=0, le=1, description="monthly decay of aid flows")
    lookahead_months: int = Field(12, ge=0, le=120, description="months the AI projects ahead")
    temperature: float = Field(4.0, gt=0, le=1000, description="default softmax temperature")


class Modifier(Strict):
    """A state of the world that makes an event come sooner or later (Paradox-style).

    While ``when`` holds, the event's mean time to happen is multiplied by ``factor``:
    below 1 sooner, above 1 later.
    """

    factor: float = Field(gt=0, le=100, description="multiplies the mean months to happen")
    when: Condition
    note: str | None = Field(None, description="why the factor, and its source")


class EventSpec(Strict):
    """Something that happens: dated or windowed, conditional, with a chance and effects."""

    id: Slug
    title: str = Field(min_length=1)
    date: Month | None = None
    window: tuple[Month, Month] | None = None
    when: Condition | None = None
    chance: float | None = Field(None, ge=0, le=1, description="chance over the window")
    mtth: float | None = Field(None, gt=0, le=1200, description="mean months to happen")
    modifiers: list[Modifier] = Field(
        default_factory=list, description="states that make it come sooner or later (with mtth)"
    )
    exogenous: str | None = Field(None, min_length=3, description="why it has no condition")
    effects: list[Effect] = Field(default_factory=list)
    narrative: str | None = None
    source: Source

    @model_validator(mode="after")
    def _timing(self) -> EventSpec:
        if (self.date is None) == (self.window is None):
            raise ValueError("give exactly one of 'date' or 'window'")
        if self.chance is not None and self.mtth is not None:
            raise ValueError("give 'chance' or 'mtth', not both")
        if self.modifiers and self.mtth is None:
            raise ValueError("'modifiers' change a mean time to happen: give 'mtth' with them")
        return self


class OptionSpec(Strict):
    """One choice open to a decision's actor."""

    id: Slug
    label: str = Field(min_length=1)
    effects: list[Effect] = Field(default_factory=list)
    historical: bool = Field(False, description="what really happened (for comparison only)")
    note: str | None = None


class DecisionSpec(Strict):
    """A turn at which an actor chooses among 2-4 options."""

    id: Slug
    actor: ActorId
    date: Month | None = None
    window: tuple[Month, Month] | None = None
    when: Condition | None = None
    prompt: str = Field(min_length=1)
    options: list[OptionSpec] = Field(min_length=2, max_length=4)
    source: Source

    @model_validator(mode="after")
    def _shape(self) -> DecisionSpec:
        if self.date is not None and self.window is not None:
            raise ValueError("give 'date' or 'window', not both")
        if self.date is None and self.window is None and self.when is None:
            raise ValueError("give a 'date', a 'window' or a 'when' trigger")
        if sum(o.historical for o in self.options) > 1:
            raise ValueError("at most one option may be marked historical")
        return self


class Assume(Strict):
    """What happened before ``start``, for a scenario that begins later than its parent."""

    decisions: dict[Slug, Slug] = Field(
        default_factory=dict, description="decision id: the option taken before the start"
    )
    events: list[Slug] = Field(default_factory=list, description="events that happened before")


class Scenario(Strict):
    """A whole scenario file (after ``extends:`` is resolved)."""

    id: Slug
    title: str = Field(min_length=1)
    description: str | None = None
    extends: str | None = Field(None, description="a built-in name or a relative path")
    remove: list[Slug] = Field(default_factory=list, description="inherited ids to drop")
    start: Month
    end: Month
    actors: dict[ActorId, ActorSpec] = Field(default_factory=dict)
    relations: dict[PairKey, Annotated[float, Field(ge=-100, le=100)]] = Field(
        default_factory=dict, description="starting attitude of FROM->TO, -100..100"
    )
    memory: dict[PairKey, Annotated[float, Field(ge=-100, le=100)]] | None = Field(
        None,
        description="what the world remembers at the start, FROM->TO (default: the relations)",
    )
    flags: list[Slug] = Field(default_factory=list, description="flags raised at the start")
    dynamics: Dynamics = Field(default_factory=Dynamics)
    rules: Rules = Field(default_factory=Rules, description="the acts' shared parameters")
    events: list[EventSpec] = Field(default_factory=list)
    decisions: list[DecisionSpec] = Field(default_factory=list)
    assume: Assume = Field(default_factory=Assume, description="the past, for a later start")
    force: dict[Slug, Slug] = Field(default_factory=dict, description="decision id: option id")
    set: dict[str, Any] = Field(default_factory=dict, description="PATH: value overrides")


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file, for editors that check YAML as it is typed."""
    schema = Scenario.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Frontline State scenario"
    return schema
