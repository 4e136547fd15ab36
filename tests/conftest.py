"""Settings shared by every test: the IR verifier runs after every pass (FLOWJIT_VERIFY=1)."""

import os

os.environ["FLOWJIT_VERIFY"] = "1"
