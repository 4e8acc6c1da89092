"""The Kubernetes plan (hub/kubernetes/): the values file holds what hub/README.md describes, and the
spawn rules it loads (hub/kubernetes/ovp_spawn.py) offer and apply the instructor profile, with the
gradebook's secret and 8 cores, to the staff group only.

No cluster and no KubeSpawner here: the spawner is a stand-in that does what KubeSpawner documents for a
start. JupyterHub stores the request's ``user_options`` and runs ``pre_spawn_hook``; then the spawner's
start calls ``profile_list`` (a callable is called with the spawner), looks up ``user_options["profile"]``
by slug in that list ("No such profile" if it is not there; the default profile if none is named) and
applies the profile's ``kubespawner_override``: a callable value is called with the spawner first, a dict
updates the current dict, anything else replaces the attribute.
"""

from __future__ import annotations

import copy
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
KUBE = REPO / "hub" / "kubernetes"
sys.path.insert(0, str(KUBE))
import ovp_spawn  # noqa: E402


@dataclass
class Group:
    name: str


@dataclass
class User:
    name: str
    id: int
    groups: list[Group]


@dataclass
class Spawner:
    """KubeSpawner's attributes that the plan touches, with the chart's defaults for a user's server."""

    user: User
    user_options: dict = field(default_factory=dict)
    cpu_limit: float = 2
    mem_limit: str = "2G"
    volumes: list = field(default_factory=lambda: [
        {"name": "home", "persistentVolumeClaim": {"claimName": "claim-x"}},
        {"name": "exchange", "persistentVolumeClaim": {"claimName": "nbgrader-exchange"}}])
    volume_mounts: list = field(default_factory=lambda: [
        {"name": "home", "mountPath": "/home/jovyan"}, {"name": "exchange", "mountPath": "/srv/nbgrader/exchange"}])
    environment: dict = field(default_factory=lambda: {"OVP_NO_PROGRESS": "1"})
    uid: int | None = None
    gid: int | None = None


def offered(spawner: Spawner) -> list[str]:
    return [p["slug"] for p in ovp_spawn.profile_list(spawner)]


def start(spawner: Spawner, *, hook: bool = True) -> None:
    """What a start does with the spawner (the module docstring): the hook, then the chosen profile."""
    if hook:
        ovp_spawn.pre_spawn_hook(spawner)
    profiles = ovp_spawn.profile_list(spawner)
    slug = spawner.user_options.get("profile")
    if slug:
        matches = [p for p in profiles if p["slug"] == slug]
        if not matches:
            raise ValueError(f"No such profile: {slug}")
        profile = matches[0]
    else:
        profile = next(p for p in profiles if p.get("default"))
    apply_overrides(spawner, profile.get("kubespawner_override", {}))


def apply_overrides(spawner: Spawner, overrides: dict) -> None:
    for key, value in overrides.items():
        if callable(value):
            value = value(spawner)
        if isinstance(value, dict) and isinstance(getattr(spawner, key), dict):
            getattr(spawner, key).update(value)
        else:
            setattr(spawner, key, value)


def has_gradebook(spawner: Spawner) -> bool:
    return any(v["name"] == "gradebook" for v in (*spawner.volumes, *spawner.volume_mounts))


def student() -> Spawner:
    return Spawner(User("ada", 7, [Group(ovp_spawn.STUDENT_GROUP)]))


def staff() -> Spawner:
    return Spawner(User("eve", 3, [Group(ovp_spawn.STUDENT_GROUP), Group(ovp_spawn.STAFF_GROUP)]))


def test_a_student_is_offered_the_student_profile_only():
    assert offered(student()) == ["student"]
    assert offered(Spawner(User("nobody", 9, []))) == ["student"]


def test_a_student_gets_the_student_server():
    spawner = student()
    start(spawner)
    assert spawner.uid == ovp_spawn.UID_BASE + 7 and spawner.gid == ovp_spawn.GID
    assert spawner.environment["JUPYTER_CONFIG_PATH"] == ovp_spawn.STUDENT_CONFIG
    assert not has_gradebook(spawner) and spawner.cpu_limit == 2 and spawner.mem_limit == "2G"


def test_a_student_who_asks_for_the_instructor_profile_gets_nothing_more():
    # the form's field, or the REST API's user_options, naming the instructor profile anyway
    spawner = student()
    spawner.user_options = {"profile": "instructor"}
    before = copy.deepcopy(spawner)
    with pytest.raises(PermissionError, match="instructor"):
        start(spawner)
    assert not has_gradebook(spawner) and spawner.cpu_limit == before.cpu_limit
    assert spawner.volumes == before.volumes and spawner.mem_limit == before.mem_limit
    assert spawner.environment.get("JUPYTER_CONFIG_PATH") != ovp_spawn.INSTRUCTOR_CONFIG
    # without the hook, the profile is not in the student's list, so the spawner finds none
    spawner = student()
    spawner.user_options = {"profile": "instructor"}
    with pytest.raises(ValueError, match="No such profile"):
        start(spawner, hook=False)
    assert not has_gradebook(spawner) and spawner.cpu_limit == 2
    # and were the instructor profile applied to a student's spawner anyway, each grant refuses
    spawner = student()
    for key, value in ovp_spawn.instructor_profile()["kubespawner_override"].items():
        with pytest.raises(PermissionError, match="staff only"):
            apply_overrides(spawner, {key: value})
    assert not has_gradebook(spawner) and spawner.cpu_limit == 2 and spawner.mem_limit == "2G"


def test_staff_get_both_profiles_and_the_instructor_one_when_asked():
    assert offered(staff()) == ["student", "instructor"]
    spawner = staff()
    start(spawner)  # no profile named: the default, the student's server
    assert not has_gradebook(spawner) and spawner.cpu_limit == 2
    assert spawner.environment["JUPYTER_CONFIG_PATH"] == ovp_spawn.STUDENT_CONFIG
    spawner = staff()
    spawner.user_options = {"profile": "instructor"}
    start(spawner)
    assert has_gradebook(spawner)
    assert ovp_spawn.GRADEBOOK_MOUNT in spawner.volume_mounts and ovp_spawn.GRADEBOOK_VOLUME in spawner.volumes
    assert {"name": "home", "mountPath": "/home/jovyan"} in spawner.volume_mounts  # added to, not replaced
    assert (spawner.cpu_limit, spawner.mem_limit) == (8, "16G")
    assert spawner.environment == {"OVP_NO_PROGRESS": "1", "JUPYTER_CONFIG_PATH": ovp_spawn.INSTRUCTOR_CONFIG}


def test_the_secret_in_a_students_defaults_is_refused():
    spawner = student()
    spawner.volumes.append(dict(ovp_spawn.GRADEBOOK_VOLUME))
    with pytest.raises(PermissionError, match="gradebook secret"):
        start(spawner)


# --- the values file --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load((KUBE / "config.yaml").read_text())


def test_the_values_file_holds_what_the_readme_describes(values):
    readme = (REPO / "hub" / "README.md").read_text()
    assert "hub/kubernetes/config.yaml" in readme and "```yaml" not in readme  # one copy: the file
    assert values["proxy"]["https"]["enabled"] is True
    assert values["hub"]["db"]["type"] == "postgres"
    oauth = values["hub"]["config"]["GenericOAuthenticator"]
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] == "generic-oauth"
    assert set(oauth["allowed_groups"]) == {ovp_spawn.STUDENT_GROUP, ovp_spawn.STAFF_GROUP}
    assert oauth["admin_groups"] == [ovp_spawn.STAFF_GROUP] and oauth["manage_groups"] is True
    single = values["singleuser"]
    # the per-student needs of the README: guarantee 0.25 CPU and 1 GiB, limit 2 CPUs and 2 GiB
    assert single["cpu"] == {"guarantee": 0.25, "limit": 2} and single["memory"] == {"guarantee": "1G", "limit": "2G"}
    assert "0.25" in readme and "1 GiB" in readme and "2 GiB" in readme
    assert single["extraEnv"]["OMP_NUM_THREADS"] == "1"
    exchange = single["storage"]["extraVolumes"]
    assert [v["name"] for v in exchange] == ["exchange"]  # no secret among everyone's volumes
    assert exchange[0]["persistentVolumeClaim"]["claimName"] == "nbgrader-exchange"
    assert single["storage"]["extraVolumeMounts"] == [{"name": "exchange", "mountPath": ovp_spawn.EXCHANGE}]
    assert "profileList" not in single  # a static list would be offered to everyone
    assert "gradebook" not in yaml.safe_dump(single)
    assert values["scheduling"]["userScheduler"]["enabled"] and values["cull"]["timeout"] == 3600


def test_the_values_file_loads_the_spawn_rules_from_their_one_source(values, tmp_path, monkeypatch):
    from traitlets.config import Config

    mount = Path(values["hub"]["extraFiles"]["ovp_spawn"]["mountPath"])
    code = values["hub"]["extraConfig"]["ovp"]
    assert f"sys.path.insert(0, {str(mount.parent)!r})".replace("'", '"') in code
    assert mount.name == "ovp_spawn.py"
    # as deployed: --set-file puts hub/kubernetes/ovp_spawn.py at the mount path; the hub runs extraConfig
    c = Config()
    monkeypatch.setattr(sys, "path", [str(KUBE), *sys.path])
    exec(compile(code, "extraConfig.ovp", "exec"), {"c": c})
    assert c.KubeSpawner.profile_list is ovp_spawn.profile_list
    assert c.KubeSpawner.pre_spawn_hook is ovp_spawn.pre_spawn_hook
    # deployed without --set-file, the placeholder stops the hub instead of starting it without the rules
    placeholder = values["hub"]["extraFiles"]["ovp_spawn"]["stringData"]
    with pytest.raises(SystemExit, match="--set-file"):
        exec(compile(placeholder, "ovp_spawn.py", "exec"), {})
