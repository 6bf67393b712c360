"""Estimation and statistics: Hawkes, fill intensity, volatility, VaR/CVaR, regimes, tests.

One job per module:

- ``hawkes``: exact simulation (uni/multivariate, piecewise), O(n) likelihood, gradient and Hessian,
  MLE with standard errors, compensator goodness of fit (KS + Ljung-Box), spectral radius;
- ``hawkes_online``: the adaptive estimator (seed 2.6.1/2.6.4) and per-side intensity monitors;
- ``fill_intensity``: (A, k) by Poisson MLE on arrival counts, with failed fits reported;
- ``spread_buckets``: fill rate, adverse selection and net return per half-spread bucket (2.3);
- ``volatility``: realised, EWMA, Parkinson, Garman-Klass, rolling realised vol;
- ``risk_measures``: VaR/CVaR (historical ``inverted_cdf``, Gaussian, Student t, Cornish-Fisher,
  Monte Carlo with its quantile standard error);
- ``half_life``: OLS AR(1) half-life (the one implementation; the backtest summary calls it);
- ``stats``: Welch's t-test, Sharpe, median / winsorized mean / quantile Sharpe;
- ``regime``: Gaussian HMM (log-space Baum-Welch, causal filter) and the vol-threshold fallback;
- ``black76``: option prices and greeks for an optional options book;
- ``reestimation``: the seed 13.1 re-estimation triggers (regime mix, fill rate, adverse
  selection, fallback ratio).
"""
