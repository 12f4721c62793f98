"""The form built from predict's OpenAPI listing schema, and the mapping of problem+json pointers to fields."""

from casa_ui.listing_form import bounds_hint, errors_by_field, listing_fields, to_listing

OPENAPI = {
    "components": {
        "schemas": {
            "Listing": {
                "properties": {
                    "brokered_by": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                    "status": {"type": "string", "enum": ["for_sale", "sold"]},
                    "bed": {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 100}, {"type": "null"}], "description": "bedrooms"},
                    "house_size": {"anyOf": [{"type": "number", "minimum": 100, "maximum": 75000}, {"type": "null"}]},
                    "zip_code": {"anyOf": [{"anyOf": [{"type": "string"}, {"type": "integer"}]}, {"type": "null"}]},
                    "state": {"type": "string", "enum": ["Maine", "Massachusetts"]},
                },
                "required": ["status", "bed", "house_size", "zip_code", "state"],
                "examples": [{"status": "sold", "bed": 3, "house_size": 1800, "zip_code": "01609", "state": "Massachusetts"}],
            }
        }
    }
}


def test_fields_follow_the_schema_enums_bounds_and_example():
    fields = {f.name: f for f in listing_fields(OPENAPI)}
    assert list(fields) == ["status", "state", "zip_code", "bed", "house_size"]  # ids hidden, form order
    assert fields["status"].kind == "enum" and fields["status"].enum == ("for_sale", "sold") and fields["status"].default == "sold"
    assert fields["state"].default == "Massachusetts"
    assert fields["bed"].kind == "integer" and fields["bed"].nullable and fields["bed"].maximum == 100
    assert fields["house_size"].kind == "number" and bounds_hint(fields["house_size"]) == "between 100 and 75,000"
    assert fields["zip_code"].kind == "string" and fields["zip_code"].default == "01609"


def test_to_listing_blank_nullable_text_is_null_and_integers_stay_integers():
    fields = listing_fields(OPENAPI)
    body = to_listing(fields, {"status": "sold", "state": "Maine", "zip_code": "  ", "bed": 3.0, "house_size": 1200.5})
    assert body == {"status": "sold", "state": "Maine", "zip_code": None, "bed": 3, "house_size": 1200.5}
    assert isinstance(body["bed"], int)


def test_errors_by_field_maps_top_level_pointers_and_keeps_the_rest():
    by_field, other = errors_by_field(
        [
            {"pointer": "/house_size", "detail": "Too big"},
            {"pointer": "/house_size", "detail": "not a number"},
            {"pointer": "/a~1b", "detail": "unknown field"},
            {"pointer": "", "detail": "must be a listing object"},
            {"pointer": "/0/bed", "detail": "nested"},
        ]
    )
    assert by_field == {"house_size": "Too big; not a number", "a/b": "unknown field"}
    assert other == ["(body): must be a listing object", "/0/bed: nested"]
