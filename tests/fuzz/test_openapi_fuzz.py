"""Fuzz every operation of the served OpenAPI document with schemathesis, in-process (WSGI).

Each operation gets a fresh full data set (tests/full_dataset.py) and is called as the district
user, with its path parameters set to real ids, so generated bodies and queries reach the code
behind the lookups; first with data valid by the document, then (if it has a body or query) with
data that violates it. schemathesis's checks: no 5xx; the status code is one the operation
documents; content type and body match the documented response (errors: the envelope);
invalid data is refused.

Adjustments, each stating what the API means to do:
- The served document also declares a catch-all `default` error response; it is left out here,
  so every status an operation answers must be documented for that very operation.
- schemathesis's `positive_data_acceptance` wants a 2xx for any schema-valid request, but the API
  rightly refuses valid-looking data on domain rules (a notice may not start in the past).
  `documented_input_is_parsed` keeps its point: a schema-valid request must get past the app's
  own argument parsing (webargs), whose 422 carries no message of its own (so the envelope's
  default) and is keyed by location — that is the document and the code disagreeing. Text
  fields are trimmed before their length is checked, so a whitespace-only value is refused as
  blank; that refusal is intended.
- An empty array generated for a query parameter goes out as nothing at all, i.e. the parameter
  left out, which the document allows: such a "negative" case is discarded, not judged.
- A multipart file field always arrives as bytes: a "file" generated as another JSON type (false,
  a number) is still a file to the server, which checks its content instead. A negative case whose
  only means of violating the document could be such a value is discarded, not judged.
- Unknown query parameters are ignored (webargs' default for the query string), so they are
  not generated as "invalid"; the bearer token is ours, not generated.
"""
import copy

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.full_dataset import build_dataset
from voting.app import create_app
from voting.errors import MESSAGES_ZH

pytestmark = pytest.mark.fuzz

MAX_EXAMPLES = 25
SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)


PARSER_LOCATIONS = {"json", "form", "files", "query", "headers"}


def _sent(case, location: str) -> dict:
    value = {"json": case.body, "form": case.body, "files": case.body, "query": case.query,
             "headers": case.headers}[location]
    return value if isinstance(value, dict) else {}


def documented_input_is_parsed(ctx, response, case):
    """A request valid by the document is not refused by the app's argument parsing."""
    if response.status_code != 422:
        return None
    envelope = response.json() or {}
    errors = envelope.get("errors")
    if envelope.get("message") != MESSAGES_ZH[422] or not isinstance(errors, dict):
        return None  # a domain refusal, with its own message
    for location in PARSER_LOCATIONS & set(errors):
        sent = _sent(case, location)
        for name in errors[location]:
            if not (isinstance(sent.get(name), str) and not sent[name].strip()):
                raise AssertionError(f"schema-valid request refused by the parser: {location}.{name}: "
                                     f"{errors[location][name]}")
    return None


def _binary_fields(document: dict) -> set[str]:
    """Names of every multipart file field (format binary) in the document's schemas."""
    names = set()
    for schema in document.get("components", {}).get("schemas", {}).values():
        for name, prop in (schema.get("properties") or {}).items():
            if prop.get("format") == "binary":
                names.add(name)
    return names


def _file_typed_otherwise(case, binary: set[str]) -> bool:
    """A multipart case with a file field generated as something other than bytes (see the docstring)."""
    body = case.body if isinstance(case.body, dict) else {}
    return "multipart" in (case.media_type or "") and any(
        name in binary and value is not None and not isinstance(value, (bytes, bytearray, str))
        for name, value in body.items())


def _served_document(app) -> dict:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every documented operation, read from an app built only for this."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "collect"})
    return [(method.upper(), path) for path, item in _served_document(app)["paths"].items()
            for method in item if method != "parameters"]


OPERATIONS = _operations()


def _strict(document: dict) -> dict:
    """The document without its catch-all `default` responses."""
    document = copy.deepcopy(document)
    for item in document["paths"].values():
        for method, operation in item.items():
            if method != "parameters":
                operation["responses"].pop("default", None)
    return document


@pytest.fixture
def dataset(client, db, clock):
    return build_dataset(client, db, clock)


def _path_parameters(path: str, ids: dict) -> dict:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    values = {}
    for name in names:
        if name not in ids:
            pytest.fail(f"{path}: no real value for {{{name}}}; add one to tests/full_dataset.py (Dataset.ids)")
        value = ids[name]
        if isinstance(value, dict):  # attachment ids depend on their owner
            owner = next(n for n in names if n in value)
            value = value[owner]
        values[name] = value
    return values


# Under /api/v1 but not API operations: the document itself, and Twilio's signed webhooks.
UNDOCUMENTED = {"api-docs.openapi_json", "sms_webhooks.status_callback", "sms_webhooks.inbound"}


def test_every_api_rule_is_a_documented_operation(app):
    documented = {(method, path) for method, path in OPERATIONS}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint in UNDOCUMENTED:
            continue
        path = rule.rule
        for name in rule.arguments:
            for converter in ("int", "string", "path"):
                path = path.replace(f"<{converter}:{name}>", f"{{{name}}}")
            path = path.replace(f"<{name}>", f"{{{name}}}")
        missing += [f"{method} {path}" for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
                    if (method, path) not in documented]
    assert not missing, f"API rules missing from the OpenAPI document (so never fuzzed): {missing}"


@pytest.mark.parametrize("method,path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_conforms_to_its_documentation(app, dataset, method, path):
    document = _strict(_served_document(app))
    binary = _binary_fields(document)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app
    schema.config.generation.update(allow_extra_parameters=False, with_security_parameters=False)
    operation = schema[path][method]
    headers = dataset.headers["a-district"]
    fixed = _path_parameters(path, dataset.ids)

    modes = {GenerationMode.POSITIVE: [documented_input_is_parsed]}
    if operation.body or operation.query:  # with path parameters fixed, nothing else can be made invalid
        modes[GenerationMode.NEGATIVE] = []
    for mode, extra_checks in modes.items():
        @SETTINGS
        @given(case=operation.as_strategy(mode, path_parameters=fixed))
        def run(case):
            if mode is GenerationMode.NEGATIVE:
                assume(not any(value == [] for value in (case.query or {}).values()))
                assume(not _file_typed_otherwise(case, binary))
            case.call_and_validate(headers=headers, additional_checks=extra_checks,
                                   excluded_checks=[positive_data_acceptance])

        try:
            run()
        except Unsatisfiable:
            if mode is GenerationMode.POSITIVE:
                raise
            # e.g. one optional free-text query parameter: nothing sent can violate the document
