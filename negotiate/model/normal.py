"""The standard normal CDF, compiled: the same bits as ``scipy.special.ndtr``.

SciPy's ``ndtr`` is Cephes' (``xsf/cephes/ndtr.h``): ``½ + ½·erf(x/√2)``
near the centre, ``½·erfc(|x|/√2)`` in the tails, each a rational
approximation.  The same coefficients evaluated in the same order give the
same doubles (checked against SciPy by ``tests/model/test_normal.py``), so
the war value can run entirely in compiled code without changing a result.
Cephes is by Stephen L. Moshier (BSD licence, as shipped with SciPy).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# erfc(x), 1 <= x < 8: P(x)/Q(x); x >= 8: R(x)/S(x) (times exp(-x²)).  erf(x), |x| < 1: x·T(x²)/U(x²)
_P = np.array([2.46196981473530512524E-10, 5.64189564831068821977E-1, 7.46321056442269912687E0,
               4.86371970985681366614E1, 1.96520832956077098242E2, 5.26445194995477358631E2,
               9.34528527171957607540E2, 1.02755188689515710272E3, 5.57535335369399327526E2])
_Q = np.array([1.32281951154744992508E1, 8.67072140885989742329E1, 3.54937778887819891062E2,
               9.75708501743205489753E2, 1.82390916687909736289E3, 2.24633760818710981792E3,
               1.65666309194161350182E3, 5.57535340817727675546E2])
_R = np.array([5.64189583547755073984E-1, 1.27536670759978104416E0, 5.01905042251180477414E0,
               6.16021097993053585195E0, 7.40974269950448939160E0, 2.97886665372100240670E0])
_S = np.array([2.26052863220117276590E0, 9.39603524938001434673E0, 1.20489539808096656605E1,
               1.70814450747565897222E1, 9.60896809063285878198E0, 3.36907645100081516050E0])
_T = np.array([9.60497373987051638749E0, 9.00260197203842689217E1, 2.23200534594684319226E3,
               7.00332514112805075473E3, 5.55923013010394962768E4])
_U = np.array([3.35617141647503099647E1, 5.21357949780152679795E2, 4.59432382970980127987E3,
               2.26290000613890934246E4, 4.92673942608635921086E4])
_MAXLOG = 7.09782712893383996843E2     # log(largest double): exp(-x²) underflows past it
_SQRT1_2 = 0.70710678118654752440


@njit(cache=True, inline="always")
def _polevl(x, coef):
    """Cephes ``polevl``: the polynomial with coefficients highest degree first (Horner)."""
    ans = coef[0]
    for i in range(1, coef.shape[0]):
        ans = ans * x + coef[i]
    return ans


@njit(cache=True, inline="always")
def _p1evl(x, coef):
    """Cephes ``p1evl``: as :func:`_polevl` with a leading coefficient 1 left out."""
    ans = x + coef[0]
    for i in range(1, coef.shape[0]):
        ans = ans * x + coef[i]
    return ans


@njit(cache=True, inline="always")
def _erfc_tail(x):
    """erfc(x) for x >= 1."""
    z = -x * x
    if z < -_MAXLOG:
        return 0.0
    z = math.exp(z)
    if x < 8.0:
        p, q = _polevl(x, _P), _p1evl(x, _Q)
    else:
        p, q = _polevl(x, _R), _p1evl(x, _S)
    return (z * p) / q


@njit(cache=True, inline="always")
def _erf_centre(x):
    """erf(x) for |x| < 1 (odd: computed at |x|, as Cephes does)."""
    ax = -x if x < 0.0 else x
    z = ax * ax
    y = ax * _polevl(z, _T) / _p1evl(z, _U)
    return -y if x < 0.0 else y


@njit(cache=True, inline="always")
def ndtr(a):
    """P(Z <= a) for a standard normal Z."""
    if math.isnan(a):
        return a
    x = a * _SQRT1_2
    z = abs(x)
    if z < 1.0:
        return 0.5 + 0.5 * _erf_centre(x)
    y = 0.5 * _erfc_tail(z)
    return 1.0 - y if x > 0 else y


@njit(cache=True)
def ndtr_array(a):
    """:func:`ndtr` of every element of a 1-d array (for tests and checks)."""
    out = np.empty_like(a)
    for i in range(a.shape[0]):
        out[i] = ndtr(a[i])
    return out
