"""驾驶舱 (红利预期可视化): what the service brings to whom, where — for the city's leaders.

build_snapshot() reads every subject's stored matches (a job, every few minutes: a million
subjects take seconds) into one row of figures by district, item and department; overview()
answers the page from that row and a few small live counts (claims, grants, pushes, payouts).
"""

from services.dashboard._build import build_snapshot
from services.dashboard._read import overview, scope

__all__ = ["build_snapshot", "overview", "scope"]
