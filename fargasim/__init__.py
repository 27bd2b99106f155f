"""fargasim: a discrete-event simulator of AWS Fargate on Amazon ECS.

The public API (DESIGN.md §4)::

    import fargasim
    sc = fargasim.load_scenario("scenarios/quickstart.yaml")   # raises fargasim.ScenarioError
    res = fargasim.simulate(sc, seed=1)
    res.write("results/quickstart")
    fargasim.price(cpu="1024", memory="2048", seconds=600)
"""

from fargasim.billing import price
from fargasim.engine import simulate
from fargasim.errors import FargasimError, ScenarioError, SimulationError
from fargasim.result import Result
from fargasim.scenario.loader import load_scenario
from fargasim.scenario.schema import Scenario

__all__ = [
    "FargasimError",
    "Result",
    "Scenario",
    "ScenarioError",
    "SimulationError",
    "load_scenario",
    "price",
    "simulate",
]
__version__ = "0.1.0"
