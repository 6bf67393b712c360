"""Flag constants and flat-array layouts shared by every core kernel and both drivers.

The kernels take one float64 parameter vector (``params``, indices ``P_*``) and small state vectors
(breaker ``B_*`` int64, accounting ``A_*`` float64, signals ``S_*`` float64, greeks cache ``C_*``)
so that numba compiles one signature per kernel and a RunSpec maps onto them in one place
(`corp.core.params`). Units follow DESIGN.md: prices in quote currency, sizes in base units, rates
per second, times int64 ns; relative quantities are fractions (``_frac``), never bps.
"""

from __future__ import annotations

# --- strategy kinds (never strings inside njit) -------------------------------------------------
KIND_NAIVE = 0
KIND_AS = 1
KIND_GLFT = 2
KIND_HAWKES = 3
KIND_HAWKES_ADAPTIVE = 4  # same quoting as KIND_HAWKES; its Hawkes parameters are refit online
KIND_INTEGRATED = 5
KIND_FAST_INTEGRATED = 6
N_KINDS = 7

GLFT_APPROX = 0
GLFT_EXACT = 1

CROSS_CLAMP = 0  # a crossing post-only quote is moved to one tick inside the touch
CROSS_DROP = 1  # a crossing post-only quote is not sent

QUEUE_RISK_AVERSE = 0
QUEUE_POWER_PROB = 1

# --- circuit breaker states (ordered by severity) -----------------------------------------------
CB_NORMAL = 0
CB_WARNING = 1
CB_REDUCING = 2
CB_HALTED = 3
N_CB_STATES = 4

# --- regimes (integrated strategies) ------------------------------------------------------------
REGIME_LOW_VOL = 0
REGIME_NORMAL = 1
REGIME_HIGH_VOL = 2

# --- parameter vector ---------------------------------------------------------------------------
P_KIND = 0
P_TICK_SIZE = 1  # quote currency
P_LOT_SIZE = 2  # base units
P_BASE_SPREAD_FRAC = 3  # naive/Hawkes total spread, model kinds' width floor; fraction of mid
P_GAMMA = 4  # risk aversion, 1/(quote currency * inventory unit), see P_INVENTORY_UNIT
P_SIGMA = 5  # mid volatility, quote currency / sqrt(second)
P_K = 6  # fill-intensity decay, 1/quote currency
P_A = 7  # fill intensity at zero distance, 1/second
P_HORIZON_SECS = 8  # AS horizon T; <= 0 means infinite horizon (tau = 1 second)
P_GLFT_MODE = 9  # GLFT_APPROX or GLFT_EXACT
P_GLFT_XI = 10  # Guéant 2017 risk parameter (xi = gamma gives the 2013 model)
P_GLFT_DELTA = 11  # GLFT order size Delta, base units (exact table rows are multiples of it)
P_INVENTORY_SKEW_FACTOR = 12  # Hawkes skew: centre shift = -factor * (q/Q) * half spread
P_HIGH_INTENSITY = 13  # 1/second, absolute (spec: x long-run mean); above it: aggressive factor
P_LOW_INTENSITY = 14  # 1/second; below it by the defensive factor
P_AGGRESSIVE_FACTOR = 15
P_DEFENSIVE_FACTOR = 16
P_ADVERSE_THRESHOLD = 17  # z-score (standard deviations) that flags adverse selection
P_ADVERSE_WIDEN_FACTOR = 18  # spread multiplier while adverse selection is flagged
P_ADVERSE_WINDOW = 19  # estimation window in trades (EWMA span)
P_REGIME_MULT_LOW = 20
P_REGIME_MULT_NORMAL = 21
P_REGIME_MULT_HIGH = 22
P_REGIME_VOL_LOW = 23  # quote currency / sqrt(second); EWMA vol below it is the low regime
P_REGIME_VOL_HIGH = 24  # above it the high regime
P_HEDGE_DEADBAND = 25  # base units: a hedge decision with |inventory| at or below it sends nothing
P_MAX_HEDGE_FRAC = 26  # one hedge is at most this fraction of the inventory limit
P_HEDGE_INTERVAL_NS = 27  # base schedule: a hedge decision at least this often
P_GREEKS_TTL_NS = 28  # fast_integrated cache time-to-live
P_BASE_SIZE = 29  # base units per quote
P_INVENTORY_LIMIT = 30  # Q, base units
P_SIZE_SHAPE = 31  # size on the side adding inventory = base * (1 - (|q|/Q)^shape)
P_CROSS_POLICY = 32  # CROSS_CLAMP or CROSS_DROP
P_INITIAL_CAPITAL = 33  # quote currency
P_DAILY_LOSS_LIMIT_FRAC = 34  # of initial capital
P_MAX_DRAWDOWN_FRAC = 35  # of initial capital, from the equity peak
P_CONCENTRATION_LIMIT_FRAC = 36  # |q| / Q at which the breaker reduces
P_WARNING_RATIO = 37  # warning = ratio * limit (seed 3.2: rho in [0.5, 0.7])
P_REDUCING_RATIO = 38  # reducing = ratio * limit
P_COOLDOWN_NS = 39  # minimum time in a state before stepping down
P_RECOVERY_QUIET_NS = 40  # the last violation must be older than this to step down
P_KILL_LOSS_FRAC = 41  # daily loss that trips the kill switch (never recovers); <= 0 disables
P_WARNING_SIZE_MULT = 42  # quote size multiplier in WARNING
P_WARNING_SPREAD_MULT = 43  # spread multiplier in WARNING
P_MAKER_FEE_FRAC = 44  # of notional; negative is a rebate
P_TAKER_FEE_FRAC = 45
P_TAKER_SLIPPAGE_FRAC = 46  # hedges pay this fraction beyond the touch
P_ENTRY_LATENCY_NS = 47  # order entry latency (local -> exchange), when no latency table
P_RESPONSE_LATENCY_NS = 48  # response latency (exchange -> local)
P_QUEUE_MODEL = 49  # QUEUE_RISK_AVERSE or QUEUE_POWER_PROB
P_QUEUE_POWER_N = 50  # exponent n of the power-probability queue model
P_REQUOTE_INTERVAL_NS = 51  # 0 requotes on every local event
P_PARTIAL_FILLS = 52  # 1 allows partial fills, 0 fills only whole orders
P_RECORD_INTERVAL_NS = 53  # recorder sampling interval
P_HAWKES_MU = 54  # online intensity of buy and of sell trades, 1/second
P_HAWKES_ALPHA = 55  # jump size, 1/second
P_HAWKES_BETA = 56  # decay, 1/second
P_VOL_EWMA_HALFLIFE_NS = 57  # realised-vol EWMA for the regime signal
P_MARKOUT_NS = 58  # adverse selection is the mid move this long after each fill
P_INVENTORY_UNIT = 59  # base units per model inventory unit (gamma is per this unit; a lot)
P_MANUAL_RESUME = 60  # 1: leaving HALTED needs a person's confirmation (B_CONFIRMED), seed 3.3
P_HEDGE_ENABLED = 61  # 1: the loop runs the adaptive hedge (corp.core.hedge), seed 4.1
P_HEDGE_MOVE_FRAC = 62  # a mid move against the inventory this large (fraction) hedges at once
P_HEDGE_FREQ_MULT = 63  # after a move trigger, the interval is divided by this for one interval
P_HEDGE_GAMMA_THRESHOLD = 64  # |option gamma| of the book above it hedges at once; <= 0: off
N_PARAMS = 65

# --- market features the quote kernel reads ------------------------------------------------------
F_MID = 0
F_BEST_BID = 1
F_BEST_ASK = 2
F_BUY_INTENSITY = 3  # 1/second
F_SELL_INTENSITY = 4
F_ADVERSE = 5  # 1.0 when adverse selection is flagged
F_REGIME = 6  # REGIME_* as float
F_TAU_SECS = 7  # time to horizon
N_FEATURES = 8

# --- quote kernel output -------------------------------------------------------------------------
Q_BID_PX = 0  # NaN when the side is not quoted
Q_ASK_PX = 1
Q_BID_QTY = 2  # 0 when the side is not quoted
Q_ASK_QTY = 3
Q_RESERVATION_PX = 4
Q_HALF_SPREAD = 5
N_QUOTE_OUT = 6

# --- fast_integrated greeks cache ---------------------------------------------------------------
C_TS_NS = 0  # float64 copy of the time the entry was computed (relative to the run start)
C_RES_SLOPE = 1  # gamma sigma^2 tau: reservation shift per base unit of inventory
C_HALF_SPREAD = 2  # AS optimal half spread
C_VALID = 3
C_HITS = 4
C_MISSES = 5
N_CACHE = 6

# --- circuit breaker state (int64) --------------------------------------------------------------
B_STATE = 0
B_ENTERED_NS = 1  # when the current state was entered
B_LAST_VIOL_1_NS = 2  # last time a violation of severity >= WARNING was seen
B_LAST_VIOL_2_NS = 3  # >= REDUCING
B_LAST_VIOL_3_NS = 4  # >= HALTED
B_KILL = 5  # 1: the kill switch tripped; the breaker stays HALTED for good
B_STOP = 6  # 1: STOP requested; no new orders, live ones cancelled
B_TRANSITIONS = 7  # number of state changes
B_CONFIRMED = 8  # 1: a person confirmed the next step out of HALTED (consumed by that step)
N_BREAKER = 9
NEVER_NS = -(2**62)  # "no violation yet": older than any threshold

# --- accounting state (float64) -----------------------------------------------------------------
A_CASH = 0  # quote currency, starts at the initial capital
A_POSITION = 1  # base units
A_FEES = 2  # fees paid, quote currency (rebates negative)
A_MAKER_VOLUME = 3  # base units
A_TAKER_VOLUME = 4
A_NOTIONAL = 5  # traded notional, quote currency
A_MAKER_FILLS = 6
A_TAKER_FILLS = 7
A_PEAK_EQUITY = 8
A_DAY_START_EQUITY = 9
A_REALISED_EDGE = 10  # sum of signed (mid - price) * qty at fill: spread captured vs mid
N_ACCOUNT = 11

# --- online signals state (float64) -------------------------------------------------------------
S_BUY_EXCITE = 0  # sum alpha exp(-beta (t - t_i)) over buy trades, as of S_LAST_TS
S_SELL_EXCITE = 1
S_LAST_TRADE_TS = 2  # seconds since the run start
S_RET_MEAN = 3  # EWMA of trade-to-trade mid returns
S_RET_VAR = 4
S_LAST_MID = 5
S_ADVERSE = 6
S_VOL_VAR = 7  # EWMA of squared mid change per second (variance rate)
S_VOL_LAST_TS = 8
S_N_TRADES = 9
N_SIGNALS = 10

ONE_SEC_NS = 1_000_000_000
