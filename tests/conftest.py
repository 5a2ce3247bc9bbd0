# Fixtures come from the platform's pytest plugin (motcua_app.testing.pytest_plugin), registered
# through the pytest11 entry point in pyproject.toml.

import pytest
from hypothesis import HealthCheck, settings

# Property tests check results, never speed: no per-example deadline and no "too slow" health check,
# which would fail on a busy CI machine for reasons that have nothing to do with the code.
settings.register_profile("motcua", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("motcua")


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3-compatible server (moto's) on 127.0.0.1, a free port, for the whole run; with a bucket
    ``motcua-test`` and throw-away credentials in the environment boto3 reads."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    patch = pytest.MonkeyPatch()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # moto accepts any
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        patch.setenv(name, value)
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="motcua-test")
    yield endpoint
    patch.undo()
    server.stop()
