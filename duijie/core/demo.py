"""The demo world: a registry of loaders that fill a database with realistic, bilingual demo data.

``duijie demo`` (``manage.py demo``) runs every loader in :data:`LOADERS`, in order, inside one
transaction. Each app that has demo objects adds a ``demo.py`` module with::

    def load(ctx: DemoContext) -> None: ...

and appends ``"duijie.<app>.demo.load"`` to :data:`LOADERS` (after the apps it depends on).

Loaders are idempotent: they look each object up by a natural key (an e-mail address, a unified
social credit code, a registration number ...) and create it only when it is missing. An object
that already exists is never updated, so what a person changed in a demo object survives
a second run. :meth:`DemoContext.get_or_create` does that bookkeeping and counts what was created
and what was found. Objects other loaders need are kept under a name in ``ctx.objects``
(``ctx["org.xjtlu"]``, ``ctx["user.broker"]``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils.module_loading import import_string

# Every demo account signs in with this password (documented in the README and printed by the command).
DEMO_PASSWORD = "duijie-demo-2026"
# Demo accounts live on this domain, which is never delivered to.
DEMO_EMAIL_DOMAIN = "duijie.demo"

# Loaders in the order they run; later apps append their own.
LOADERS: list[str] = [
    "duijie.accounts.demo.load",
    "duijie.supply.demo.load",
    "duijie.demand.demo.load",
    "duijie.docking.demo.load",
]

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class DemoAccount:
    """One line of the account table the command prints at the end."""

    role: str
    email: str
    full_name: str
    organisation: str = ""


@dataclass
class DemoContext:
    """What loaders share: an output writer, counters and the named objects made so far."""

    write: Callable[[str], None] = print
    verbose: bool = True
    created: Counter[str] = field(default_factory=Counter)
    existing: Counter[str] = field(default_factory=Counter)
    objects: dict[str, Any] = field(default_factory=dict)
    accounts: list[DemoAccount] = field(default_factory=list)
    _password_hash: str = field(default="", repr=False)

    # --- named objects ---------------------------------------------------------------

    def __getitem__(self, name: str) -> Any:
        try:
            return self.objects[name]
        except KeyError:
            raise KeyError(f"No demo object named {name!r}; is its loader listed before this one?") from None

    def __setitem__(self, name: str, obj: Any) -> None:
        self.objects[name] = obj

    def __contains__(self, name: object) -> bool:
        return name in self.objects

    # --- output and bookkeeping ---------------------------------------------------------

    def log(self, message: str) -> None:
        if self.verbose:
            self.write(message)

    def record(self, obj: models.Model | str, *, created: bool, label: str | None = None) -> None:
        """Count one object as created or found, and say so."""
        model_label = obj if isinstance(obj, str) else obj._meta.label
        (self.created if created else self.existing)[model_label] += 1
        shown = label if label is not None else ("" if isinstance(obj, str) else str(obj))
        self.log(f"  {'created' if created else 'found  '}  {model_label:<28} {shown}")

    def get_or_create(
        self,
        model: type[M],
        *,
        lookup: Mapping[str, Any],
        create: Callable[[], M],
        name: str | None = None,
        label: str | None = None,
    ) -> tuple[M, bool]:
        """The object matching ``lookup``, or a new one from ``create()``; never updates an existing one.

        ``name`` keeps the object in ``ctx.objects`` for later loaders.
        """
        obj = model._default_manager.filter(**lookup).order_by("pk").first()
        created = obj is None
        if obj is None:
            obj = create()
        self.record(obj, created=created, label=label)
        if name:
            self.objects[name] = obj
        return obj, created

    def add_account(self, role: str, user: Any, organisation: Any = None) -> None:
        """List a demo account in the table printed at the end."""
        self.accounts.append(DemoAccount(
            role=role, email=user.email, full_name=user.full_name,
            organisation=str(organisation) if organisation is not None else "",
        ))

    def password_hash(self) -> str:
        """The hash of :data:`DEMO_PASSWORD`, computed once per run (hashing is deliberately slow)."""
        if not self._password_hash:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def total_existing(self) -> int:
        return sum(self.existing.values())

    def summary_rows(self) -> list[tuple[str, int, int]]:
        """``(model label, created, found)`` for every model a loader touched, in first-touched order."""
        labels = list(dict.fromkeys([*self.created, *self.existing]))
        return [(label, self.created[label], self.existing[label]) for label in labels]


def run_demo(
    *, write: Callable[[str], None] = print, verbose: bool = True, loaders: list[str] | None = None
) -> DemoContext:
    """Run every demo loader in order, in one transaction, and return the filled context."""
    ctx = DemoContext(write=write, verbose=verbose)
    with transaction.atomic():
        for path in LOADERS if loaders is None else loaders:
            ctx.log(f"{path.rsplit('.', 1)[0]}:")
            loader: Callable[[DemoContext], None] = import_string(path)
            loader(ctx)
    return ctx
