"""Helpers the export tests share: items imported the way leads import them, labels stored as the queue stores them."""
import json

from apps.accounts.models import Membership, Role, User
from apps.datasets import exporters
from apps.datasets.exporters.options import ExportOptions
from apps.datasets.exports import export_lines
from apps.datasets.models import Item
from apps.datasets.services import import_file
from apps.labeling.models import Label, LabelSource


def import_rows(project, rows) -> dict[str, Item]:
    """Import native rows; the project's items by external id."""
    data = "\n".join(json.dumps(row) for row in rows).encode()
    batch = import_file(project=project, user=None, data=data, filename="rows.jsonl", fmt="native")
    assert batch.status == "accepted", batch.errors[:3]
    return {item.external_id: item for item in Item.objects.filter(project=project)}


def annotators(project, *names) -> list[User]:
    users = []
    for name in names:
        user = User.objects.create_user(username=name, password="x")
        Membership.objects.create(user=user, project=project, role=Role.ANNOTATOR)
        users.append(user)
    return users


def label(item, annotator, **fields) -> Label:
    """A current label as the labelling services store it (canonical order, shown order kept)."""
    fields.setdefault("source", LabelSource.UI)
    return Label.objects.create(item=item, annotator=annotator, **fields)


def export(project, key: str, **options) -> list[dict]:
    fmt = exporters.export_format(key)
    return [json.loads(line) for line in export_lines(project, fmt, ExportOptions.from_params(options))]
