"""Who gets which server on the Kubernetes plan (hub/kubernetes/config.yaml, hub/README.md).

The chart mounts this file into the hub's pod (``hub.extraFiles.ovp_spawn``, filled from this file by
``helm upgrade --set-file``), and the values file's ``hub.extraConfig`` imports it and calls
:func:`configure`. It is also imported by tests/test_hub_kubernetes.py, so the code that runs in the hub
is the code that is tested.

Two profiles. *Student*: the course's limits, the student's Jupyter configuration, the exchange. *Instructor*:
8 cores and 16 GiB for ``ovp-instructor autograde --jobs 8``, the instructors' Jupyter configuration
(formgrader, the gradebook's ``db_url``) and the ``gradebook-url`` secret, which holds the database
password. Only members of the staff group may have the second, and three checks say so:

1. :func:`profile_list` (KubeSpawner's ``profile_list`` may be a callable; it is called with the spawner
   both to draw the form and again when the server starts, to look up the chosen profile) returns the
   *Student* profile alone to anyone outside the staff group, so a student's form offers nothing else,
   and a form or API request naming ``instructor`` anyway fails KubeSpawner's own "No such profile" check.
2. :func:`pre_spawn_hook` (JupyterHub calls it after it has stored the request's ``user_options`` and
   before the spawner starts, hence before any profile is applied) refuses a start that asks for a
   profile the user is not offered.
3. The instructor profile's overrides that add the secret, the cores and the configuration are
   callables (KubeSpawner calls each with the spawner before setting the attribute): each one refuses a
   user outside the staff group. The secret is named nowhere else: not in ``singleuser.storage``,
   not in any default.

Only the standard library is used; nothing here imports KubeSpawner.
"""

from __future__ import annotations

STAFF_GROUP = "ovp-staff"
STUDENT_GROUP = "ovp-students"
STUDENT_CONFIG = "/etc/ovp/student"
INSTRUCTOR_CONFIG = "/etc/ovp/instructor"
EXCHANGE = "/srv/nbgrader/exchange"
UID_BASE, GID = 100000, 100
INSTRUCTOR_CPU, INSTRUCTOR_MEMORY = 8, "16G"

GRADEBOOK_VOLUME = {"name": "gradebook", "secret": {"secretName": "gradebook-url", "defaultMode": 0o400}}
GRADEBOOK_MOUNT = {"name": "gradebook", "mountPath": "/etc/ovp/gradebook", "readOnly": True}

STUDENT_PROFILE = {"display_name": "Student", "slug": "student", "default": True}


def is_staff(user) -> bool:
    """Whether ``user`` (JupyterHub's user object) is in the staff group, as the identity provider's
    groups claim put it there (``manage_groups``)."""
    return any(group.name == STAFF_GROUP for group in user.groups)


def _staff_only(what: str, value):
    """An override callable: ``value(spawner)`` for a member of the staff group, else PermissionError."""

    def override(spawner):
        if not is_staff(spawner.user):
            raise PermissionError(f"{spawner.user.name} is not in {STAFF_GROUP}: the instructor profile's "
                                  f"{what} is for staff only")
        return value(spawner)

    return override


def instructor_profile() -> dict:
    """The instructor profile: every override that grants something checks the group itself."""
    return {
        "display_name": f"Instructor (formgrader, {INSTRUCTOR_CPU} cores for autograding)",
        "slug": "instructor",
        "kubespawner_override": {
            "cpu_limit": _staff_only("cores", lambda spawner: INSTRUCTOR_CPU),
            "mem_limit": _staff_only("memory", lambda spawner: INSTRUCTOR_MEMORY),
            "volumes": _staff_only("gradebook secret", lambda spawner: [*spawner.volumes, GRADEBOOK_VOLUME]),
            "volume_mounts": _staff_only("gradebook secret",
                                         lambda spawner: [*spawner.volume_mounts, GRADEBOOK_MOUNT]),
            "environment": _staff_only("configuration", lambda spawner: {"JUPYTER_CONFIG_PATH": INSTRUCTOR_CONFIG}),
        },
    }


def profile_list(spawner) -> list[dict]:
    """KubeSpawner's ``profile_list``: the student profile for everyone, the instructor profile
    after it for members of the staff group only."""
    profiles = [dict(STUDENT_PROFILE)]
    if is_staff(spawner.user):
        profiles.append(instructor_profile())
    return profiles


def pre_spawn_hook(spawner) -> None:
    """One UID per user (JupyterHub's own user id: stable and unique), so that nbgrader's exchange
    permissions separate the students on the shared volume as they do on one machine; the students'
    Jupyter configuration unless the instructor profile (staff only) replaces it; and a refusal of a
    profile the user is not offered, before KubeSpawner applies anything."""
    spawner.uid = UID_BASE + spawner.user.id
    spawner.gid = GID
    spawner.environment = {**spawner.environment, "JUPYTER_CONFIG_PATH": STUDENT_CONFIG}
    asked = (spawner.user_options or {}).get("profile")
    offered = [p["slug"] for p in profile_list(spawner)]
    if asked and asked not in offered:
        raise PermissionError(f"{spawner.user.name} asked for the profile {asked!r}; "
                              f"offered: {', '.join(offered)}")
    mounted = [v for v in (*spawner.volumes, *spawner.volume_mounts) if v.get("name") == GRADEBOOK_VOLUME["name"]]
    if mounted and not is_staff(spawner.user):  # a default that names the secret would give it to everyone
        raise PermissionError(f"the gradebook secret is in the defaults of {spawner.user.name}'s server; "
                              "it must come from the instructor profile only")


def configure(c) -> None:
    """Set KubeSpawner's profile list and spawn hook on the hub's configuration ``c``."""
    c.KubeSpawner.profile_list = profile_list
    c.KubeSpawner.pre_spawn_hook = pre_spawn_hook
