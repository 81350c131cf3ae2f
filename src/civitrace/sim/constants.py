"""Model vocabulary and published COVID-19 parameters, one per line (sources in docs/sim.md)."""

from typing import Final

# Disease states: every agent is in exactly one on every day.
SUSCEPTIBLE: Final = 0
EXPOSED: Final = 1  # infected, not yet infectious (latent)
PRESYMPTOMATIC: Final = 2  # infectious, symptoms to come
ASYMPTOMATIC: Final = 3  # infectious, never symptomatic
MILD: Final = 4  # symptomatic, at home
SEVERE: Final = 5  # hospitalised
CRITICAL: Final = 6  # intensive care
RECOVERED: Final = 7
DEAD: Final = 8
STATE_NAMES: Final = (
    "susceptible",
    "exposed",
    "presymptomatic",
    "asymptomatic",
    "mild",
    "severe",
    "critical",
    "recovered",
    "dead",
)
N_STATES: Final = len(STATE_NAMES)

# Contact layers, in the order of every per-layer array.
HOUSEHOLD: Final = 0
SCHOOL: Final = 1
WORK: Final = 2
COMMUNITY: Final = 3
VENUE: Final = 4
LAYER_NAMES: Final = ("household", "school", "work", "community", "venue")
N_LAYERS: Final = len(LAYER_NAMES)

# Age-dependent prognoses by 10-year band (0-9, ..., 80-89, 90+): absolute probabilities per
# infection. Symptomatic: Davies et al. 2020 scaled (as compiled in the covasim parameter set);
# severe and critical: Verity et al. 2020 / Ferguson et al. 2020 (Imperial Report 9, Table 1);
# death (infection fatality ratio): O'Driscoll et al. 2021, 90+ from Brazeau et al. 2020.
AGE_BAND_LOWER: Final = (0, 10, 20, 30, 40, 50, 60, 70, 80, 90)
SYMPTOMATIC_PROB: Final = (0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.90)
SEVERE_PROB: Final = (
    0.00050, 0.00165, 0.00720, 0.02080, 0.03430, 0.07650, 0.13280, 0.20655, 0.24570, 0.24570,
)  # fmt: skip
CRITICAL_PROB: Final = (
    0.00003, 0.00008, 0.00036, 0.00104, 0.00216, 0.00933, 0.03639, 0.08923, 0.17420, 0.17420,
)  # fmt: skip
DEATH_PROB: Final = (
    0.00002, 0.00002, 0.00010, 0.00032, 0.00098, 0.00265, 0.00766, 0.02439, 0.08292, 0.16190,
)  # fmt: skip

# Durations in days as (mean, standard deviation) of a lognormal, rounded to whole days.
LATENT_DAYS: Final = (4.5, 1.5)  # exposed -> infectious (Lauer et al. 2020)
PRESYMPTOMATIC_DAYS: Final = (1.1, 0.9)  # infectious -> symptom onset (Linton et al. 2020)
ONSET_TO_SEVERE_DAYS: Final = (6.6, 4.9)  # onset -> hospital admission (Linton et al. 2020)
SEVERE_TO_CRITICAL_DAYS: Final = (1.5, 2.0)  # admission -> ICU (Chen et al. 2020; Wang 2020)
ASYMPTOMATIC_RECOVERY_DAYS: Final = (8.0, 2.0)  # end of shedding (Wölfel et al. 2020)
MILD_RECOVERY_DAYS: Final = (8.0, 2.0)  # end of shedding (Wölfel et al. 2020)
SEVERE_RECOVERY_DAYS: Final = (18.1, 6.3)  # admission -> recovery (Verity et al. 2020)
CRITICAL_TO_DEATH_DAYS: Final = (10.7, 4.8)  # ICU -> death (Verity et al. 2020)

ASYMPTOMATIC_RELATIVE_INFECTIOUSNESS: Final = 0.5  # subclinical vs clinical (Davies et al. 2020)
# Relative susceptibility by age band (odds ratios of Zhang et al. 2020, Science 368:1481, as
# covasim uses them); off (all 1) by default, used to match covasim in bench/sim_vs_covasim.py.
SUSCEPTIBILITY_ZHANG: Final = (0.34, 0.67, 1.00, 1.00, 1.00, 1.00, 1.24, 1.47, 1.47, 1.47)

# Age bands the equity metrics report on (lower bounds; the last is open-ended).
REPORT_AGE_BANDS: Final = (0, 20, 40, 60, 80)

# Community mixing by age: POLYMOD contact survey (Mossong et al. 2008, PLoS Med 5:e74), all
# eight countries, as computed with socialmixr::contact_matrix and tabulated, adjusted to a
# reference population, in the CRAN package multigroup.vaccine (vignette "Contact matrix
# examples"). Row: participant's age group; column: contact's age group; entry: mean daily
# contacts. Divided by the reference group sizes they give per-capita contact rates, which the
# model re-weights by its own population (docs/sim.md, "Community mixing").
POLYMOD_AGE_BANDS: Final = (0, 1, 5, 12, 14, 18, 25, 45, 70)  # lower bounds
POLYMOD_REFERENCE_POPULATION: Final = (100, 400, 700, 200, 400, 700, 2000, 2400, 1000)
POLYMOD_CONTACTS: Final = (
    (0.42, 0.71, 0.57, 0.09, 0.21, 0.32, 2.11, 1.14, 0.13),
    (0.18, 2.95, 1.53, 0.16, 0.24, 0.49, 3.26, 1.89, 0.35),
    (0.08, 0.87, 8.88, 0.81, 0.46, 0.46, 3.37, 1.90, 0.37),
    (0.04, 0.32, 2.85, 7.89, 2.49, 0.56, 2.76, 2.21, 0.47),
    (0.05, 0.24, 0.81, 1.24, 9.65, 2.19, 2.71, 2.51, 0.37),
    (0.05, 0.28, 0.46, 0.16, 1.25, 5.66, 3.66, 2.86, 0.37),
    (0.11, 0.65, 1.18, 0.28, 0.54, 1.28, 5.73, 3.84, 0.61),
    (0.05, 0.31, 0.55, 0.18, 0.42, 0.83, 3.20, 4.28, 0.96),
    (0.01, 0.14, 0.26, 0.09, 0.15, 0.26, 1.22, 2.30, 1.57),
)
POLYMOD_PER_CAPITA: Final = tuple(
    tuple(round(m / pop, 8) for m, pop in zip(row, POLYMOD_REFERENCE_POPULATION, strict=True))
    for row in POLYMOD_CONTACTS
)
