"""Read models of the register used by other domains: the compound behind a public page's code."""
from propmgmt.compounds.queries import compound_by_public_code

from ..factories import CompoundFactory


def test_the_public_code_finds_its_compound_and_nothing_else(db):
    compound, other = CompoundFactory(), CompoundFactory()
    assert compound_by_public_code(compound.public_code) == compound
    assert compound_by_public_code(other.public_code) == other
    assert compound_by_public_code("NOSUCHCODE") is None
    assert compound_by_public_code("") is None
    assert compound_by_public_code(compound.public_code + "x" * 40) is None  # longer than any code issued


def test_every_public_page_of_an_unknown_code_is_not_found(client, db):
    compound = CompoundFactory()
    for path in ("", "/qr.svg", "/report", "/survey"):
        assert client.get(f"/r/{compound.public_code}{path}").status_code == 200, path
    for path in ("", "/photos/1", "/qr.svg", "/report", "/survey", "/consultations/1", "/consultations/1/items/1",
                 "/supervise/1"):
        assert client.get(f"/r/NOSUCHCODE{path}").status_code == 404, path
        assert client.get(f"/r/{'A' * 33}{path}").status_code == 404, path
