"""lstm_ref: a small, verified numpy reference for recurrent networks.

The course's answer key. Teaching cells (``lstm_step_forward``...) are written to be read;
the layers (``LSTM``, ``GRU``, ``RNN``) compute the same function fast, with PyTorch's
parameter names and layout. Tests prove both against finite differences and PyTorch.
"""
from .activations import *  # noqa: F401,F403
from .initializers import *  # noqa: F401,F403
from .cells import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .layout import *  # noqa: F401,F403
from .checks import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403
from .models import *  # noqa: F401,F403
from .tasks import *  # noqa: F401,F403
from .io import *  # noqa: F401,F403
from .symbolic import *  # noqa: F401,F403
from .datasets import *  # noqa: F401,F403
from .dynamics import *  # noqa: F401,F403
from .plots import *  # noqa: F401,F403
from .experiments import *  # noqa: F401,F403
from .charlm import *  # noqa: F401,F403
from .variants import *  # noqa: F401,F403

__version__ = "0.1.0"
