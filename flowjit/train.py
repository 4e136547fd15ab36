"""`tf.train`: optimizers, learning-rate schedules, the global step, Saver and checkpoints."""

from .frontend.optimizer import Optimizer  # noqa: F401
from .frontend.optimizers import *  # noqa: F401,F403
from .frontend.learning_rate_decay import *  # noqa: F401,F403
from .frontend.training_util import *  # noqa: F401,F403
from .frontend.saver import *  # noqa: F401,F403
from .frontend.moving_averages import *  # noqa: F401,F403
