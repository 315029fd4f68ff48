"""The coefficients of esbio's single-precision tanh (src/models/fast_tanh.cpp), fitted here.

tanh(x) = x P(x^2) / Q(x^2) on [0, 9] with P and Q of degree 4 and P(0) = Q(0) = 1 (so the
result is odd, exact at 0 and x-accurate for tiny x). The fit minimises the relative error of
tanh(x) / x by linearised least squares (P - f Q = 0, weighted by 1 / (f Q) of the previous
iterate), with Lawson's reweighting by |error|^(1/2) driving it toward the minimax fit.
The kernel clamps x to [-9, 9]: 1 - tanh(9) = 3.05e-8, just above half the spacing of float32
below 1 (2^-25 = 2.98e-8), so beyond 9 the correctly rounded tanh is 1 - 2^-24 or 1 and the
clamp costs at most one ulp.

Prints the coefficients and the error of their float32 evaluation (Horner, float arithmetic)
against numpy's float64 tanh, in units in the last place of the float32 result.
Run: /usr/bin/python3 tests/regression/tanh_rational_fit.py
"""
import numpy as np

C = 9.0
x = np.linspace(1e-4, C, 400000)
s = x * x
f = np.tanh(x) / x
m = n = 4
w = np.ones_like(x)
q = np.ones_like(x)
for _ in range(60):
    a = np.hstack([np.vstack([s**i for i in range(1, m + 1)]).T,
                   -(f[:, None] * np.vstack([s**j for j in range(1, n + 1)]).T)])
    weight = w / (f * q)
    scale = np.abs(a * weight[:, None]).max(axis=0)
    sol, *_ = np.linalg.lstsq(a * weight[:, None] / scale, (f - 1) * weight, rcond=None)
    sol /= scale
    P = np.concatenate([[1.0], sol[:m]])
    Q = np.concatenate([[1.0], sol[m:]])
    q = np.polyval(Q[::-1], s)
    err = (np.polyval(P[::-1], s) / q - f) / f
    w = w * np.abs(err) ** 0.5 + 1e-30
    w /= w.mean()

xf = np.concatenate([np.linspace(0, C, 4000001), np.logspace(-8, 0, 100000)]).astype(np.float32)
sf = xf * xf
pf = np.zeros_like(xf)
qf = np.zeros_like(xf)
for c in P[::-1].astype(np.float32):
    pf = (pf * sf + c).astype(np.float32)
for c in Q[::-1].astype(np.float32):
    qf = (qf * sf + c).astype(np.float32)
y = np.minimum((xf * pf / qf).astype(np.float32), np.float32(1))  # the kernel's last clamp
ref = np.tanh(xf.astype(np.float64))
ulp = np.abs(y - ref) / np.spacing(np.maximum(ref, 1e-38).astype(np.float32)).astype(np.float64)
print("P (x^0, x^2, ...):", ", ".join("%.9e" % v for v in P))
print("Q (x^0, x^2, ...):", ", ".join("%.9e" % v for v in Q))
print("largest value: %.9g" % y.max())
print("relative error of the fit: %.2e; float32 evaluation: max %.2f ulp, mean %.3f ulp"
      % (np.abs(err).max(), ulp[xf > 0].max(), ulp.mean()))
