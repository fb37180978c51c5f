"""UN General Assembly votes: the vote model (:mod:`.model`) and resolution files (:mod:`.resolutions`)."""

from .logit import OUTCOMES, TEXT_KINDS, doctrines, vote_data, vote_probabilities
from .resolutions import ROLES, Resolution, check_horizon, read_resolutions

__all__ = [
    "OUTCOMES",
    "ROLES",
    "TEXT_KINDS",
    "Resolution",
    "check_horizon",
    "doctrines",
    "read_resolutions",
    "vote_data",
    "vote_probabilities",
]
