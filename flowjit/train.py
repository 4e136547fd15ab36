"""`tf.train`: optimizers, learning-rate schedules, the global step, Saver and checkpoints."""

from .frontend.train.optimizer import Optimizer  # noqa: F401
from .frontend.train.optimizers import *  # noqa: F401,F403
from .frontend.train.learning_rate_decay import *  # noqa: F401,F403
from .frontend.train.training_util import *  # noqa: F401,F403
from .frontend.train.saver import *  # noqa: F401,F403
from .frontend.train.moving_averages import *  # noqa: F401,F403
