"""Parent Portal intake: turns returned paper application forms into portal accounts."""

from pathlib import Path

__version__ = "0.1.0"

#: The checkout's root when running from one (an editable install); in an installed wheel it is
#: site-packages, so run-time files are found through ``intake.paths``, never through this.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
