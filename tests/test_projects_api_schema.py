"""drf-spectacular builds a valid OpenAPI schema for the accounts and projects API, without warnings."""
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

MY_PATHS = {
    "/api/me/": {"get"},
    "/api/tokens/": {"get", "post"},
    "/api/tokens/{token_id}/": {"delete"},
    "/api/projects/": {"get", "post"},
    "/api/projects/{slug}/": {"get", "patch", "delete"},
    "/api/projects/{slug}/rubric/": {"get", "put"},
    "/api/projects/{slug}/rubric/versions/": {"get"},
    "/api/projects/{slug}/rubric/versions/{number}/": {"get"},
    "/api/projects/{slug}/members/": {"get", "post"},
    "/api/projects/{slug}/members/{username}/": {"get", "patch", "delete"},
}


def test_schema_endpoint_lists_every_path(client, lead):
    client.force_login(lead)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for route, methods in MY_PATHS.items():
        assert route in paths
        assert methods <= set(paths[route])


def test_my_part_of_the_schema_is_valid_and_warning_free():
    patterns = [path("api/", include([path("", include("apps.accounts.api_urls")),
                                      path("", include("apps.projects.api_urls"))]))]
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache
    validate_schema(schema)
    assert {route: set(ops) - {"parameters"} for route, ops in schema["paths"].items()} == MY_PATHS


def test_schema_documents_bodies_pages_and_errors():
    patterns = [path("api/", include("apps.projects.api_urls"))]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    assert {"guidelines", "dimensions", "note"} <= set(components["RubricInputRequest"]["properties"])
    assert set(components["PaginatedProjectList"]["properties"]) == {"count", "next", "previous", "results"}
    put = schema["paths"]["/api/projects/{slug}/rubric/"]["put"]["responses"]
    assert {"200", "201", "400", "403", "404"} <= set(put)
    assert put["400"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
