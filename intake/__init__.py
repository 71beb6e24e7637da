"""Parent Portal intake: turns returned paper application forms into portal accounts."""

from pathlib import Path

__version__ = "0.1.0"

#: The repository root when running from a checkout (editable install or Docker image).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
