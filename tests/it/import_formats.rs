//! `import customers` with the files branches really have: a semicolon-separated CSV with
//! day-first dates (what a spreadsheet writes in Indonesian), and an `.xlsx` workbook written
//! here by a spreadsheet library, with date cells and phones stored as numbers. Errors name
//! the file's line (the CSV's line, the sheet's row number).

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::imports::{database, import};
use crate::util::Server;

/// A customer as stored: full_name, phone, id_number, date_of_birth, address.
type Stored = (String, String, Option<String>, Option<String>, String);

/// The customers with these phones.
fn customers_with(server: &Server, phones: &[&str]) -> Vec<Stored> {
    let conn = database(server);
    let mut stmt = conn
        .prepare(
            "SELECT full_name, phone, id_number, date_of_birth, address FROM customers
             WHERE phone = ?1",
        )
        .unwrap();
    phones
        .iter()
        .filter_map(|p| {
            stmt.query_row([p], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .ok()
        })
        .collect()
}

#[test]
fn a_semicolon_csv_with_day_first_dates() {
    let server = Server::demo();
    let files = tempfile::tempdir().unwrap();

    // A bad file first: nothing imported, every problem on the line it starts on.
    let bad = files.path().join("bad.csv");
    std::fs::write(
        &bad,
        "full_name;phone;date_of_birth;address\r\n\
         \"Two\r\nLines\";0857-2000-0001;29/02/2023;\r\n\
         Month 13;0857-2000-0002;2026-13-01;\r\n\
         Good;0857-2000-0003;17/08/1990;\r\n",
    )
    .unwrap();
    let (ok, out, err) = import(&server, "customers", &bad);
    assert!(!ok, "{out}");
    assert_eq!(
        err.trim_end(),
        "pawnbranch: 2 problems in the file; nothing was imported:\n\
         line 2: date_of_birth \"29/02/2023\" is not a date written YYYY-MM-DD or DD/MM/YYYY\n\
         line 4: date_of_birth \"2026-13-01\" is not a date written YYYY-MM-DD or DD/MM/YYYY"
    );
    assert!(
        customers_with(&server, &["+6285720000003"]).is_empty(),
        "all or nothing"
    );

    let good = files.path().join("pelanggan.csv");
    std::fs::write(
        &good,
        "\u{feff}full_name;phone;id_number;date_of_birth;address\r\n\
         \"Siti; Nur\";0857-2000-0001;3171 0000 2222 0001;17/08/1990;\"Jl. Merdeka 1, Jakarta\"\r\n\
         Budi;0857-2000-0002;;1985-01-31;\r\n\
         Ani;0857-2000-0003;;05.11.1979;Jl. Baru 2\r\n",
    )
    .unwrap();
    let (ok, out, err) = import(&server, "customers", &good);
    assert!(ok, "{err}");
    assert!(out.contains("Imported 3 customers."), "{out}");
    let phones = ["+6285720000001", "+6285720000002", "+6285720000003"];
    assert_eq!(
        customers_with(&server, &phones),
        vec![
            (
                "Siti; Nur".to_owned(),
                phones[0].to_owned(),
                Some("3171000022220001".to_owned()),
                Some("1990-08-17".to_owned()),
                "Jl. Merdeka 1, Jakarta".to_owned()
            ),
            (
                "Budi".to_owned(),
                phones[1].to_owned(),
                None,
                Some("1985-01-31".to_owned()),
                String::new()
            ),
            (
                "Ani".to_owned(),
                phones[2].to_owned(),
                None,
                Some("1979-11-05".to_owned()),
                "Jl. Baru 2".to_owned()
            ),
        ]
    );
}

/// A row of a customer workbook: full_name, phone as a number (none when 0), id_number as
/// text, date of birth as a date cell (year, month, day), or else as text.
type SheetRow<'a> = (&'a str, f64, &'a str, Option<(u16, u8, u8)>, &'a str);

/// A customer workbook, not saved yet: the header on the sheet's first row, then `rows` from
/// row 2.
fn workbook(rows: &[SheetRow]) -> Workbook {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (col, name) in ["full_name", "phone", "id_number", "date_of_birth"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *name).unwrap();
    }
    for (i, (name, phone, id, born, born_text)) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        if !name.is_empty() {
            sheet.write_string(row, 0, *name).unwrap();
        }
        if *phone > 0.0 {
            sheet.write_number(row, 1, *phone).unwrap();
        }
        if !id.is_empty() {
            sheet.write_string(row, 2, *id).unwrap();
        }
        match born {
            Some((y, m, d)) => {
                let when = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                sheet
                    .write_datetime_with_format(row, 3, &when, &date)
                    .unwrap();
            }
            None if !born_text.is_empty() => {
                sheet.write_string(row, 3, *born_text).unwrap();
            }
            None => {}
        }
    }
    book
}

#[test]
fn an_xlsx_workbook_with_date_cells_and_phones_stored_as_numbers() {
    let server = Server::demo();
    let files = tempfile::tempdir().unwrap();

    // Row 3 is empty (skipped); rows 4 to 6 are wrong. A 16-digit ID number stored as a
    // number may have lost its last digit in the spreadsheet already, so it is refused.
    let bad = files.path().join("bad.xlsx");
    let mut book = workbook(&[
        ("Good", 85720000011.0, "", Some((1990, 8, 17)), ""),
        ("", 0.0, "", None, ""),
        ("April 31", 85720000012.0, "", None, "31/04/1990"),
        ("Born later", 85720000013.0, "", Some((2090, 1, 1)), ""),
        ("Long ID", 85720000014.0, "", None, ""),
    ]);
    let sheet = book.worksheet_from_index(0).unwrap();
    sheet.write_number(5, 2, 3171000044440001.0).unwrap();
    book.save(&bad).unwrap();
    let (ok, out, err) = import(&server, "customers", &bad);
    assert!(!ok, "{out}");
    assert_eq!(
        err.trim_end(),
        "pawnbranch: 3 problems in the file; nothing was imported:\n\
         line 4: date_of_birth \"31/04/1990\" is not a date written YYYY-MM-DD or DD/MM/YYYY\n\
         line 5: date_of_birth \"2090-01-01\" is not in the past\n\
         line 6: id_number 3171000044440001 has 16 digits, more than a spreadsheet keeps of a number (15): format the column as text and type the number again"
    );

    let good = files.path().join("pelanggan.xlsx");
    let mut book = workbook(&[
        (
            "Dewi Sheet",
            85720000011.0,
            "3171000033330001",
            Some((1990, 8, 17)),
            "",
        ),
        ("Eko Sheet", 6285720000012.0, "", None, "01/02/1983"),
        ("Fitri Sheet", 85720000013.0, "", None, ""),
    ]);
    book.save(&good).unwrap();
    let (ok, out, err) = import(&server, "customers", &good);
    assert!(ok, "{err}");
    assert!(out.contains("Imported 3 customers."), "{out}");
    let phones = ["+6285720000011", "+6285720000012", "+6285720000013"];
    assert_eq!(
        customers_with(&server, &phones),
        vec![
            (
                "Dewi Sheet".to_owned(),
                phones[0].to_owned(),
                Some("3171000033330001".to_owned()),
                Some("1990-08-17".to_owned()),
                String::new()
            ),
            (
                "Eko Sheet".to_owned(),
                phones[1].to_owned(),
                None,
                Some("1983-02-01".to_owned()),
                String::new()
            ),
            (
                "Fitri Sheet".to_owned(),
                phones[2].to_owned(),
                None,
                None,
                String::new()
            ),
        ]
    );
}
