"""Validates every page example request against its operation's request-body schema with
openapi-schema-validator's OAS 3.0 validator (a JSON Schema validator, not Prism), and checks
that each `null` an example carries, replaced by `[]`, is refused at that place (so the schema
really was applied). Prints one JSON document; flxpoint-api/tests/schema_examples.rs asserts it.

Usage: python schema_check.py SPEC.json EXAMPLES_DIR
"""
import copy
import json
import os
import sys

from openapi_schema_validator import OAS30WriteValidator


def inline(node, components, seen=()):
    """The schema with every local `$ref` replaced by its target (the document has no cycles)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref is not None:
            if ref in seen:
                raise ValueError(f"cyclic $ref {ref}")
            name = ref.rsplit("/", 1)[-1]
            return inline(components[name], components, seen + (ref,))
        return {k: inline(v, components, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [inline(v, components, seen) for v in node]
    return node


def nulls(value, at=()):
    if value is None:
        yield at
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from nulls(v, at + (i,))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from nulls(v, at + (k,))


def main(spec_path, examples_dir):
    spec = json.load(open(spec_path))
    components = spec["components"]["schemas"]
    bodies = {}
    for item in spec["paths"].values():
        for op in item.values():
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                schema = content["application/json"]["schema"]
                bodies[op["operationId"]] = inline(schema, components)
    accepted, failures, controls = [], [], 0
    for file in sorted(os.listdir(examples_dir)):
        if ".request" not in file or not file.endswith(".json"):
            continue
        op_id = file.split(".", 1)[0]
        validator = OAS30WriteValidator(bodies[op_id])
        example = json.load(open(os.path.join(examples_dir, file)))
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(example)]
        if errors:
            failures.append(f"{file}: {errors}")
        else:
            accepted.append(file)
        for place in nulls(example):
            broken = copy.deepcopy(example)
            target = broken
            for key in place[:-1]:
                target = target[key]
            target[place[-1]] = []
            where = [list(e.absolute_path) for e in validator.iter_errors(broken)]
            if list(place) not in where:
                failures.append(f"{file}: [] in place of the null at {list(place)} not refused there: {where}")
            controls += 1
    print(json.dumps({"accepted": accepted, "null_controls": controls, "failures": failures}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
