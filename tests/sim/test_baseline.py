"""The 1947-1991 baseline holds the paper's history, and counterfactuals change what follows."""

from __future__ import annotations

import numpy as np
import pytest

from sim import FrontlineModel, builtin_names, load_scenario
from sim.history import load_record

# Every event and turn the issue lists, with the entry (event or decision) that carries it
# and the month it is dated to in the scenario.
LISTED = {
    "the four options at independence": ("pakistan-camp", "1947-08"),
    "the Kashmir war": ("kashmir-war", "1947-10"),
    "diplomatic relations (1948)": ("diplomatic-relations-established", "1948"),
    "the Moscow invitation (1949)": ("soviet-invitation", "1949-06"),
    "the Washington visit (1950)": ("liaquat-visits-washington", "1950-05"),
    "the exchange of ambassadors": ("soviet-ambassador-arrives", "1950-03"),
    "the 1954 defence agreement": ("defence-agreement", "1954-05"),
    "SEATO": ("seato-membership", "1954-09"),
    "the Baghdad Pact / CENTO": ("baghdad-pact-membership", "1955"),
    "the Khrushchev-Bulganin tour of 1955": ("khrushchev-bulganin-tour-1955", "1955"),
    "Soviet backing for India on Kashmir": ("soviet-kashmir-line-1955", "1955"),
    "backing for Afghanistan on Pashtunistan and the $100m credit": (
        "soviet-pashtunistan-line-1955",
        "1955",
    ),
    "Mikoyan at the 1956 constitution": ("mikoyan-at-republic-day", "1956-03"),
    "the Soviet Kashmir veto of February 1957": ("soviet-kashmir-veto-1957", "1957-02"),
    "the Badaber lease (1959)": ("badaber-lease-1959", "1959"),
    "the U-2 (May 1960)": ("u2-shot-down", "1960-05"),
    "Khrushchev's threat": ("khrushchev-threatens-pakistan", "1960-05"),
    "the oil agreement of March 1961": ("soviet-oil-agreement-1961", "1961-03"),
    "the Sino-Soviet rift": ("sino-soviet-split", "1960"),
    "the Sino-Indian war of 1962": ("sino-indian-war-1962", "1962"),
    "Ayub in Moscow (April 1965)": ("ayub-in-moscow-1965", "1965-04"),
    "Ayub in Moscow (1967)": ("ayub-in-moscow-1967", "1967"),
    "the 1965 war": ("indo-pakistani-war-1965", "1965"),
    "the US arms suspension": ("us-arms-suspension-1965", "1965-09"),
    "Soviet good offices": ("soviet-good-offices-1965", "1965"),
    "Kosygin's visit (1968)": ("kosygin-visits-pakistan-1968", "1968-04"),
    "the end of the Badaber lease": ("badaber-renewal-1968", "1968"),
    "the steel mill": ("soviet-steel-mill-1973", "1973"),
    "Kissinger's secret trip (1971)": ("kissinger-secret-trip-1971", "1971-07"),
    "the 1971 war": ("indo-pakistani-war-1971", "1971-12"),
    "Soviet support for India": ("soviet-stance-1971-war", "1971"),
    "the loss of East Pakistan": ("east-pakistan-lost-1971", "1971-12"),
    "the Bhutto years": ("bhutto-mends-fences-moscow-1972", "1972"),
    "Zia's coup (1977)": ("zia-coup-1977", "1977-07"),
    "the Saur revolution (1978)": ("saur-revolution-1978", "1978-04"),
    "Operation Cyclone (1979)": ("carter-covert-programme-1979", "1979-07"),
    "the Soviet invasion of Afghanistan (1979)": (
        "soviet-intervention-afghanistan-1979",
        "1979-12",
    ),
    "Gorbachev's decision to leave (1986)": ("gorbachev-leave-afghanistan-1986", "1986"),
    "the Geneva Accords (April 1988)": ("pak-sign-geneva-1988", "1988-04"),
    "the last Soviet soldier out (February 1989)": ("last-soviet-soldier-leaves-1989", "1989-02"),
    "the end of the USSR (1991)": ("ussr-dissolved-1991", "1991-12"),
    "the Central Asian republics (1991)": ("pak-central-asia-1991", "1991"),
}


@pytest.fixture(scope="module")
def baseline():  # type: ignore[no-untyped-def]
    return load_scenario("baseline")


def test_the_baseline_runs_from_independence_to_the_end_of_the_ussr(baseline) -> None:  # type: ignore[no-untyped-def]
    assert (baseline.spec.start, baseline.spec.end) == ("1947-08", "1991-12")


@pytest.mark.parametrize("what", sorted(LISTED))
def test_every_listed_event_is_in_the_baseline_at_its_date(baseline, what: str) -> None:  # type: ignore[no-untyped-def]
    """A decision opens at its date; an event's date is the record's, inside its window.

    An event driven by the state may come earlier or later than history's month (its window
    is years), so the month it happened belongs to the record, not to the event.
    """
    entry_id, when = LISTED[what]
    entries = {e.id: e for e in [*baseline.spec.events, *baseline.spec.decisions]}
    assert entry_id in entries, what
    entry = entries[entry_id]
    first = entry.date or entry.window[0]  # type: ignore[index]
    last = entry.date or entry.window[1]  # type: ignore[index]
    recorded = {e.id: e.month for e in load_record().events}
    dated = recorded.get(entry_id, first)
    assert dated.startswith(when), (what, dated)
    assert first <= dated <= last, (what, dated, first, last)
    assert entry.source.section


def test_at_least_20_decisions_spread_over_all_six_actors(baseline) -> None:  # type: ignore[no-untyped-def]
    assert len(baseline.decisions) >= 20
    counts = {}
    for d in baseline.decisions:
        counts[d.spec.actor] = counts.get(d.spec.actor, 0) + 1
    assert set(counts) == {"PAK", "USSR", "USA", "IND", "CHN", "AFG"}
    assert all(2 <= len(d.options) <= 4 for d in baseline.decisions)


def test_events_after_the_start_either_depend_on_the_state_or_say_why_not(baseline) -> None:  # type: ignore[no-untyped-def]
    for e in baseline.spec.events:
        if (e.date or e.window[0]) > baseline.spec.start:  # type: ignore[index]
            assert e.when is not None or e.exogenous, e.id
    endogenous = sum(e.when is not None for e in baseline.spec.events)
    assert endogenous > len(baseline.spec.events) / 2


def test_every_recorded_event_and_decision_exists_in_the_baseline(baseline) -> None:  # type: ignore[no-untyped-def]
    record = load_record()
    events = {e.spec.id for e in baseline.events}
    assert {e.id for e in record.events} <= events
    assert {d.id for d in record.decisions} <= {d.spec.id for d in baseline.decisions}
    pak_ussr = [p for p in record.phases if p.pair in ("PAK-USSR", "USSR-PAK")]
    assert len(pak_ussr) >= 10


def test_counterfactuals_and_eras_are_shipped() -> None:
    names = set(builtin_names())
    assert {f"eras/{y}" for y in (1954, 1965, 1971, 1979)} <= names
    assert len([n for n in names if n.startswith("counterfactuals/")]) >= 6


def _shares(model: FrontlineModel, decision_id: str) -> np.ndarray:
    d = model.scenario.decision(decision_id)
    choice = model.state.choice[:, d.index]
    counts = np.bincount(choice + 1, minlength=len(d.options) + 1)
    return counts / counts.sum()


def _shift(base: FrontlineModel, other: FrontlineModel, after: int) -> dict[str, float]:
    """Total variation distance between the choice distributions of decisions after a month."""
    later = [d.spec.id for d in base.scenario.decisions if d.first > after]
    return {d: 0.5 * float(np.abs(_shares(base, d) - _shares(other, d)).sum()) for d in later}


def test_forcing_an_early_decision_shifts_the_distribution_of_later_choices() -> None:
    base = FrontlineModel(load_scenario("baseline"), seed=5, replicates=300).run()
    no_lease = FrontlineModel(
        load_scenario("counterfactuals/no-badaber-lease"), seed=5, replicates=300
    ).run()
    assert no_lease.chosen_option("badaber-lease-1959") == "refuse"
    shifts = _shift(base, no_lease, 1959 * 12 + 6)
    # over 300 runs sampling noise alone keeps the distance well below 0.1; without the
    # lease there is no U-2 crisis to answer and no base to give notice on in 1968, and the
    # Soviet steel-mill offer that rewarded the notice never arises
    assert shifts["answer-to-khrushchev-1960"] > 0.5
    assert shifts["badaber-renewal-1968"] > 0.25
    offer = no_lease.scenario.decision("soviet-steel-mill-offer-1968")
    assert (no_lease.state.choice[:, offer.index] == -1).all()
    assert (base.state.choice[:, offer.index] >= 0).any()


def test_the_counterfactual_moscow_visit_is_taken_through_the_model() -> None:
    moscow = FrontlineModel(
        load_scenario("counterfactuals/liaquat-goes-to-moscow"), seed=5, replicates=50
    ).run()
    assert moscow.chosen_option("pak-answer-moscow") == "go-on-soviet-date"
    forced = [e for e in moscow.log if e.id == "pak-answer-moscow"]
    assert forced and all(e.by == "forced" for e in forced)


def test_along_the_recorded_path_the_model_beats_the_null_models_without_being_told() -> None:
    """The fitted baseline predicts history's choices better than chance, by the rules alone.

    Not by construction: at many recorded decisions another option scores higher, and the
    probabilities are the AI's own (it never reads the historical marks).
    """
    from sim.skill import measure, recorded_path

    scenario = load_scenario("baseline")
    found = measure(scenario)
    assert found["decisions"] == 56
    assert found["log_score"] > found["log_score_uniform"]
    assert found["brier_skill"] > 0.1
    assert found["null_random_weights"] > 0.5
    points = recorded_path(scenario)
    not_top = [p.id for p in points if p.probabilities[p.recorded] < p.probabilities.max()]
    assert len(not_top) >= 10, not_top


def test_the_held_out_figures_come_from_the_parameters_fitted_on_1947_1978() -> None:
    from sim.skill import load_fit, report

    fit = load_fit("fit-1947-1978")
    assert (fit.fitted_until, fit.held_out_from) == ("1978-12", "1979-01")
    held = report(load_scenario("baseline"))["held_out"]
    assert held["parameters"].startswith("fit-1947-1978")
    assert held["decisions"] == 12 and held["from"] == "1979-01"
    assert all(p["month"] >= "1979-01" for p in held["p_recorded"])
