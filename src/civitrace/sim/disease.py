"""Natural history: fates by age and lognormal durations, drawn when a transition happens."""

import numpy as np
import numpy.typing as npt

from civitrace.sim import constants as c
from civitrace.sim.params import DiseaseParams

# Fates, decided at infection from one uniform draw against the nested age-specific chances.
ASYMPTOMATIC_FATE = 0
MILD_FATE = 1
SEVERE_FATE = 2
CRITICAL_FATE = 3
DEATH_FATE = 4


def lognormal_days(
    mean_sd: tuple[float, float], count: int, rng: np.random.Generator
) -> npt.NDArray[np.int32]:
    """Whole days (at least 1) from a lognormal with the given mean and standard deviation."""
    mean, sd = mean_sd
    sigma2 = np.log1p((sd / mean) ** 2)
    mu = np.log(mean) - sigma2 / 2
    days = np.rint(rng.lognormal(mu, np.sqrt(sigma2), count))
    return np.maximum(days, 1).astype(np.int32)


def fate_thresholds(disease: DiseaseParams) -> npt.NDArray[np.float64]:
    """(4, age bands): cumulative chances of death, critical, severe, symptomatic per band."""
    return np.array(
        [disease.death_prob, disease.critical_prob, disease.severe_prob, disease.symptomatic_prob]
    )


def draw_fates(
    age_band: npt.NDArray[np.int8], thresholds: npt.NDArray[np.float64], rng: np.random.Generator
) -> npt.NDArray[np.int8]:
    """The fate of each newly infected agent of the given age bands."""
    u = rng.random(age_band.shape[0])
    t = thresholds[:, age_band]
    fate = np.full(age_band.shape[0], ASYMPTOMATIC_FATE, dtype=np.int8)
    fate[u < t[3]] = MILD_FATE
    fate[u < t[2]] = SEVERE_FATE
    fate[u < t[1]] = CRITICAL_FATE
    fate[u < t[0]] = DEATH_FATE
    return fate


def infectious_days(
    age_band: npt.NDArray[np.int8], disease: DiseaseParams, rng: np.random.Generator
) -> float:
    """Mean infectiousness-weighted days in the community per infection, by Monte Carlo.

    Hospitalised agents (severe, critical) do not transmit, asymptomatic ones at
    ``asymptomatic_relative``. Multiplied by ``beta``, a layer weight and the daily contacts of
    a homogeneous population this is the basic reproduction number R0.
    """
    n = age_band.shape[0]
    fate = draw_fates(age_band, fate_thresholds(disease), rng)
    asym = fate == ASYMPTOMATIC_FATE
    pre = lognormal_days(c.PRESYMPTOMATIC_DAYS, n, rng)
    mild = np.where(
        fate >= SEVERE_FATE,
        lognormal_days(c.ONSET_TO_SEVERE_DAYS, n, rng),
        lognormal_days(c.MILD_RECOVERY_DAYS, n, rng),
    )
    asym_days = lognormal_days(c.ASYMPTOMATIC_RECOVERY_DAYS, n, rng)
    total = np.where(asym, disease.asymptomatic_relative * asym_days, pre + mild)
    return float(total.mean())
