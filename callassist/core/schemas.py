"""JSON Schemas of the trainer files, generated from the models that validate them.

They are published beside the content (scripts/flow.schema.json and so on) so an editor
can check a file while it is typed; a test fails when a published copy is out of date.
"""

from __future__ import annotations

import json

from callassist.core.flow import Flow
from callassist.core.forbidden import ForbiddenFile
from callassist.core.objections import Excuse, NotExcuses, Situation
from callassist.core.personas import Persona

# kind: (model, content folder it lives in, file name)
SCHEMAS = {
    "flow": (Flow, "scripts", "flow.schema.json"),
    "objection": (Excuse, "objections", "objection.schema.json"),
    "forbidden": (ForbiddenFile, "scripts", "forbidden.schema.json"),
    "persona": (Persona, "objections", "persona.schema.json"),
    "not_excuses": (NotExcuses, "objections", "not_excuses.schema.json"),
    "situation": (Situation, "objections", "situation.schema.json"),
}


def schema_text(kind: str) -> str:
    model, _, name = SCHEMAS[kind]
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": name} | model.model_json_schema()
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
