"""Sandbox layer: loading and checking the seed data (stores, provinces) into a state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from storefront.sendy.sandbox.state import SandboxState, Store
from storefront.sendy.sandbox.validation import is_int

DATA_DIR = Path(__file__).resolve().parent / "data"


class _Invalid(Exception):
    """A reason why a data file is not in the sandbox format."""


def load_state(extra_path: str | None = None, *, seed_dir: Path | None = None) -> SandboxState:
    """Build a fresh state from the seed files, overlaid with an optional extra file."""
    seed = Path(seed_dir) if seed_dir is not None else DATA_DIR
    stores = _load(seed / "stores.json", _stores)
    for more in sorted(seed.glob("stores-*.json")):  # more demo stores, one file per theme
        stores.update(_load(more, _stores))
    provinces = _load(seed / "provinces.json", _provinces)
    if extra_path:
        extra_stores, extra_provinces = _load(Path(extra_path), _extra)
        stores.update(extra_stores)
        provinces.update(extra_provinces)
    state = SandboxState(stores=stores, provinces=provinces)
    if len(state.keys) != sum(1 for s in stores.values() if s.api_key):
        raise ValueError("Invalid sandbox data: two stores share one API key id")
    return state


def _load(path: Path, parse: Any) -> Any:
    """Read a JSON file and parse it, turning any problem into a ValueError naming the file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return parse(raw)
    except FileNotFoundError:
        raise ValueError(f"Invalid sandbox data file {path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"Invalid sandbox data file {path}: not valid JSON ({exc})") from None
    except _Invalid as exc:
        raise ValueError(f"Invalid sandbox data file {path}: {exc}") from None


def _extra(raw: Any) -> tuple[dict[str, Store], dict[str, dict[str, Any]]]:
    """Parse an extra file: a list of stores, or an object with "stores" and "provinces"."""
    if isinstance(raw, list):
        return _stores(raw), {}
    if isinstance(raw, dict) and set(raw) <= {"stores", "provinces"}:
        return _stores(raw.get("stores", [])), _provinces(raw.get("provinces", []))
    raise _Invalid('expected a list of stores or an object with "stores" and/or "provinces"')


def _stores(raw: Any) -> dict[str, Store]:
    """Parse a list of store entries, keyed by slug."""
    stores: dict[str, Store] = {}
    for i, entry in enumerate(_list(raw, "stores")):
        store = _store(entry, f"stores[{i}]")
        if store.slug in stores:
            raise _Invalid(f"stores[{i}]: duplicate slug {store.slug!r}")
        stores[store.slug] = store
    return stores


def _store(entry: Any, where: str) -> Store:
    """Parse one store entry."""
    entry = _dict(entry, where)
    published = entry.get("published", False)
    api_key = entry.get("apiKey")
    scopes = _list(entry.get("scopes", []), f"{where}.scopes")
    if not isinstance(published, bool):
        raise _Invalid(f"{where}.published must be true or false")
    if api_key is not None and not _is_key(api_key):
        raise _Invalid(f'{where}.apiKey must be null or "<keyId>.<secret>"')
    if not all(isinstance(s, str) for s in scopes):
        raise _Invalid(f"{where}.scopes must be a list of strings")
    storefront = _storefront(entry.get("storefront"), f"{where}.storefront")
    return Store(storefront["slug"], published, api_key, frozenset(scopes), storefront)


def _storefront(raw: Any, where: str) -> dict[str, Any]:
    """Check the required parts of a storefront object (contract section 1)."""
    storefront = _dict(raw, where)
    for key in ("slug", "name"):
        if not isinstance(storefront.get(key), str) or not storefront[key]:
            raise _Invalid(f"{where}.{key} must be a non-empty string")
    skus: set[str] = set()
    for i, product in enumerate(_list(storefront.get("products"), f"{where}.products")):
        for sku in _product(product, f"{where}.products[{i}]"):
            if sku in skus:
                raise _Invalid(f"{where}.products[{i}]: SKU {sku!r} is used twice in the store")
            skus.add(sku)
    return storefront


def _product(raw: Any, where: str) -> list[str]:
    """Check the fields of a product the sandbox relies on (orders: SKUs and prices); its SKUs.

    Everything else (option names and values, images, stock) is passed to the storefront as
    written, so a preview shows how the storefront copes with a merchant's odd data.
    """
    product = _sold(raw, where)
    variants = product.get("variants")
    if variants is None:
        return [product["sku"]]
    return [product["sku"], *(_sold(v, f"{where}.variants[{j}]")["sku"]
                              for j, v in enumerate(_list(variants, f"{where}.variants")))]


def _sold(raw: Any, where: str) -> dict[str, Any]:
    """Check something an order line can name: a non-empty SKU and a whole price (or null)."""
    item = _dict(raw, where)
    if not isinstance(item.get("sku"), str) or not item["sku"]:
        raise _Invalid(f"{where}.sku must be a non-empty string")
    price = item.get("price")
    if price is not None and (not is_int(price) or price < 0):
        raise _Invalid(f"{where}.price must be a whole number of IQD or null")
    return item


def _provinces(raw: Any) -> dict[str, dict[str, Any]]:
    """Parse the province list, keyed by code."""
    provinces: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(_list(raw, "provinces")):
        province = _named(item, f"provinces[{i}]", "code")
        for j, area in enumerate(_list(province.get("areas", []), f"provinces[{i}].areas")):
            _named(area, f"provinces[{i}].areas[{j}]", "id")
        provinces[province["code"]] = province
    return provinces


def _named(raw: Any, where: str, key: str) -> dict[str, Any]:
    """Check an object with an identifier and Arabic and English names."""
    item = _dict(raw, where)
    for name in (key, "nameAr", "nameEn"):
        if not isinstance(item.get(name), str) or not item[name]:
            raise _Invalid(f"{where}.{name} must be a non-empty string")
    return item


def _dict(raw: Any, where: str) -> dict[str, Any]:
    """Return raw if it is a JSON object."""
    if not isinstance(raw, dict):
        raise _Invalid(f"{where} must be an object")
    return raw


def _list(raw: Any, where: str) -> list[Any]:
    """Return raw if it is a JSON array."""
    if not isinstance(raw, list):
        raise _Invalid(f"{where} must be a list")
    return raw


def _is_key(value: Any) -> bool:
    """Tell whether value looks like "<keyId>.<secret>"."""
    return isinstance(value, str) and all(value.partition(".")[::2]) and "." in value
