"""The Blueprint every API module uses: flask-smorest's, reading bodies the input guard parsed."""

from __future__ import annotations

import flask_smorest

from api.input_guard import BodyParser


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint whose @arguments read the body parsed by api.input_guard."""

    ARGUMENTS_PARSER = BodyParser()
