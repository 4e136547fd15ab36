"""`tf.train`: optimizers, learning-rate schedules, the global step, Saver and checkpoints."""

from .frontend.train.optimizer import Optimizer  # noqa: F401
from .frontend.train.adadelta import *  # noqa: F401,F403
from .frontend.train.adagrad import *  # noqa: F401,F403
from .frontend.train.adagrad_da import *  # noqa: F401,F403
from .frontend.train.adam import *  # noqa: F401,F403
from .frontend.train.ftrl import *  # noqa: F401,F403
from .frontend.train.gradient_descent import *  # noqa: F401,F403
from .frontend.train.momentum import *  # noqa: F401,F403
from .frontend.train.proximal_adagrad import *  # noqa: F401,F403
from .frontend.train.proximal_gradient_descent import *  # noqa: F401,F403
from .frontend.train.rmsprop import *  # noqa: F401,F403
from .frontend.train.learning_rate_decay import *  # noqa: F401,F403
from .frontend.train.training_util import *  # noqa: F401,F403
from .frontend.train.saver import *  # noqa: F401,F403
from .frontend.train.moving_averages import *  # noqa: F401,F403
from .frontend.train.coordinator import *  # noqa: F401,F403
from .frontend.train.session_manager import *  # noqa: F401,F403
from .frontend.train.supervisor import *  # noqa: F401,F403
from .frontend.train.queue_runner import *  # noqa: F401,F403
from .frontend.train.input import *  # noqa: F401,F403
from .frontend.train import queue_runner  # noqa: F401  (tf.train.queue_runner.QueueRunner)
from .frontend.summary.reader import summary_iterator  # noqa: F401,E402  (tf.train.summary_iterator)
from .ir.formats.example import (BytesList, Example, Feature, FeatureList, FeatureLists, Features,  # noqa: F401,E402
                                  FloatList, Int64List, SequenceExample)  # (tf.train.Example protos)
