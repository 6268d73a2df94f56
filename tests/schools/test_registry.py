"""`flask schools import`: the Ministry's registry CSV, made in the test with its column names."""

from __future__ import annotations

from sqlalchemy import select

from centrale_booking.extensions import db
from centrale_booking.schools.models import School

HEADER = (
    "ANNOSCOLASTICO,AREAGEOGRAFICA,REGIONE,PROVINCIA,CODICEISTITUTORIFERIMENTO,"
    "DENOMINAZIONEISTITUTORIFERIMENTO,CODICESCUOLA,DENOMINAZIONESCUOLA,INDIRIZZOSCUOLA,"
    "CAPSCUOLA,DESCRIZIONECOMUNE,INDIRIZZOEMAILSCUOLA"
)


def row(code, name, city="MILANO", address="VIA ROSSI 12", email="Non Disponibile"):
    return (
        f"202627,NORD OVEST,LOMBARDIA,MILANO,MIIC8AB00C,IC VIA ROSSI,{code},{name},"
        f"{address},20100,{city},{email}"
    )


def write(tmp_path, *lines, header=HEADER, name="SCUANAGRAFESTAT.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def schools():
    return {s.code: s for s in db.session.scalars(select(School))}


def test_the_registry_is_loaded_and_loading_it_again_changes_nothing(runner, tmp_path):
    path = write(
        tmp_path,
        row("MIEE8AB01D", "PRIMARIA LEONARDO", email="MIEE8AB01D@ISTRUZIONE.IT"),
        row("MIMM8AB02E", "SECONDARIA MANZONI", city="SESTO SAN GIOVANNI"),
        row("not a code", "NESSUNA"),
    )
    result = runner.invoke(args=["schools", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 added, 0 updated, 0 unchanged, 1 skipped" in result.output
    loaded = schools()
    assert loaded["MIEE8AB01D"].name == "PRIMARIA LEONARDO"
    assert loaded["MIEE8AB01D"].email == "miee8ab01d@istruzione.it"
    assert loaded["MIMM8AB02E"].email == "" and loaded["MIMM8AB02E"].institute_code == "MIIC8AB00C"
    again = runner.invoke(args=["schools", "import", str(path)])
    assert "0 added, 0 updated, 2 unchanged" in again.output


def test_a_newer_file_updates_the_schools(runner, tmp_path):
    runner.invoke(args=["schools", "import", str(write(tmp_path, row("MIEE8AB01D", "VECCHIO")))])
    newer = write(tmp_path, row("MIEE8AB01D", "NUOVO NOME", address="VIA NUOVA 1"), name="b.csv")
    result = runner.invoke(args=["schools", "import", str(newer)])
    assert "0 added, 1 updated" in result.output
    db.session.expire_all()
    school = schools()["MIEE8AB01D"]
    assert (school.name, school.address) == ("NUOVO NOME", "VIA NUOVA 1")


def test_a_file_with_missing_columns_is_refused_naming_them(runner, tmp_path):
    path = write(tmp_path, "MIEE8AB01D,X", header="CODICESCUOLA,DENOMINAZIONE")
    result = runner.invoke(args=["schools", "import", str(path)])
    assert result.exit_code != 0
    assert (
        "missing columns: DENOMINAZIONESCUOLA, DESCRIZIONECOMUNE, INDIRIZZOSCUOLA, "
        "INDIRIZZOEMAILSCUOLA, CODICEISTITUTORIFERIMENTO"
    ) in result.output
    assert schools() == {}


def test_semicolons_and_a_byte_order_mark_are_read_too(runner, tmp_path):
    path = tmp_path / "excel.csv"
    content = HEADER.replace(",", ";") + "\n" + row("MIEE8AB01D", "PRIMARIA").replace(",", ";")
    path.write_bytes(("\ufeff" + content).encode("utf-8"))
    result = runner.invoke(args=["schools", "import", str(path)])
    assert "1 added" in result.output, result.output
