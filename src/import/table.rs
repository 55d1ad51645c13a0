//! The tabular input of every import: a header row, then one record per row, each with the
//! line number a person finds it at. Files come two ways:
//!
//! - CSV, separated by commas, semicolons (what a spreadsheet writes in Indonesian and other
//!   locales where the comma is the decimal mark) or tabs (what a spreadsheet copies): the
//!   delimiter is the one of the three that the header line has most of outside quotes. A
//!   record's line is the line it starts on in the file, counted here from the line breaks
//!   read (a quoted value over several lines included; the header is line 1): the csv
//!   crate's own count is a line short after a CRLF, as spreadsheets on Windows write, and
//!   after empty lines.
//! - A spreadsheet (`.xlsx`, `.xlsm`, `.xls`, `.ods`), read by calamine: its first sheet, the
//!   header on the first row used, a record's line the row number the spreadsheet shows.
//!   Cells become the text a CSV export would hold: numbers in full without grouping (a whole
//!   number without ".0"), date cells as `YYYY-MM-DD`. A phone stored as a number has lost its
//!   leading 0, and the phone rules restore it (digits without the trunk prefix are a national
//!   number). A number of more than 15 digits is refused: a spreadsheet keeps 15 digits of a
//!   number, so an ID number stored as one may have lost its last digits already.
//!
//! Text that is not UTF-8 (an old "CSV" export in Windows-1252) is refused by row with the
//! advice to save it as "CSV UTF-8".

use std::io::{BufRead, BufReader, Chain, Cursor, Read};
use std::path::Path;

use calamine::{Data, Reader as _};

use super::RowShape;

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TableError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Csv(#[from] csv::Error),
    #[error("{0}")]
    Sheet(#[from] calamine::Error),
    #[error("the workbook has no sheet")]
    NoSheet,
}

/// The next row of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    /// A record, read into the caller's record, starting on this line.
    Row(u64),
    /// A row that cannot be read as the header says, and its line.
    Bad(u64, RowShape),
}

/// A header row and the rows after it, from a CSV text or a spreadsheet's first sheet.
pub(crate) struct Table<R: Read> {
    header: csv::StringRecord,
    rows: Rows<R>,
    /// The size of the input, in the unit of [`Table::progress`].
    size: u64,
}

/// Where the rows come from.
enum Rows<R: Read> {
    Csv(Box<csv::Reader<CsvInput<R>>>),
    Sheet {
        rows: std::vec::IntoIter<(u64, Result<csv::StringRecord, RowShape>)>,
        done: u64,
    },
}

/// What the csv crate reads: the header line read ahead, then the rest of the input.
type CsvInput<R> = LineBreaks<Chain<Cursor<Vec<u8>>, BufReader<R>>>;

/// The file name endings read as spreadsheets, in lower case.
const SPREADSHEETS: [&str; 4] = ["xlsx", "xlsm", "xls", "ods"];

impl Table<std::fs::File> {
    /// Opens `path`: a spreadsheet by its name's ending or its first bytes, CSV otherwise.
    pub(crate) fn open(path: &Path) -> Result<Table<std::fs::File>, TableError> {
        let ending = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let mut file = std::fs::File::open(path)?;
        if SPREADSHEETS.contains(&ending.as_str()) || is_workbook(&mut file)? {
            return Table::sheet(path);
        }
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut table = Table::csv(file)?;
        table.size = size;
        Ok(table)
    }

    /// Reads the first sheet of the workbook at `path`.
    fn sheet(path: &Path) -> Result<Table<std::fs::File>, TableError> {
        let mut workbook = calamine::open_workbook_auto(path)?;
        let range = workbook
            .worksheet_range_at(0)
            .ok_or(TableError::NoSheet)??;
        let first_row = u64::from(range.start().map_or(0, |(row, _)| row)) + 1;
        let mut rows = range.rows();
        let mut header: Vec<String> = rows
            .next()
            .map(|cells| cells.iter().map(header_text).collect())
            .unwrap_or_default();
        // Cells right of the last name are not columns.
        let width = header
            .iter()
            .rposition(|h| !h.is_empty())
            .map_or(0, |i| i + 1);
        header.truncate(width);
        let header = csv::StringRecord::from(header);
        let records: Vec<_> = rows
            .zip(first_row + 1..)
            .map(|(cells, line)| (line, sheet_record(cells, &header)))
            .collect();
        Ok(Table {
            header,
            size: records.len() as u64,
            rows: Rows::Sheet {
                rows: records.into_iter(),
                done: 0,
            },
        })
    }
}

impl<R: Read> Table<R> {
    /// Reads CSV text from `input`, its delimiter detected from the header line.
    pub(crate) fn csv(input: R) -> Result<Table<R>, TableError> {
        let mut input = BufReader::new(input);
        let header_line = read_header_line(&mut input)?;
        let delimiter = detect_delimiter(&header_line);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .trim(csv::Trim::All)
            .delimiter(delimiter)
            .from_reader(LineBreaks::new(Cursor::new(header_line).chain(input)));
        let header = reader.headers()?.clone();
        Ok(Table {
            header,
            rows: Rows::Csv(Box::new(reader)),
            size: 0,
        })
    }

    /// The header row.
    pub(crate) fn header(&self) -> &csv::StringRecord {
        &self.header
    }

    /// Reads the next row into `record`; `None` at the end. A row of the wrong shape is
    /// [`Next::Bad`]; an error is returned only when reading cannot go on (I/O).
    pub(crate) fn next(
        &mut self,
        record: &mut csv::StringRecord,
    ) -> Result<Option<Next>, TableError> {
        match &mut self.rows {
            Rows::Csv(reader) => match reader.read_record(record) {
                Ok(false) => Ok(None),
                Ok(true) => {
                    let byte = record.position().map_or(0, csv::Position::byte);
                    Ok(Some(Next::Row(reader.get_mut().line_at(byte))))
                }
                Err(e) => match csv_row_problem(&e) {
                    Some((byte, shape)) => {
                        Ok(Some(Next::Bad(reader.get_mut().line_at(byte), shape)))
                    }
                    None => Err(e.into()),
                },
            },
            Rows::Sheet { rows, done } => {
                let Some((line, read)) = rows.next() else {
                    return Ok(None);
                };
                *done += 1;
                Ok(Some(match read {
                    Ok(cells) => {
                        *record = cells;
                        Next::Row(line)
                    }
                    Err(shape) => Next::Bad(line, shape),
                }))
            }
        }
    }

    /// How far the reading is: done and total, in bytes of a CSV file (total 0 when not
    /// known) or rows of a sheet.
    pub(crate) fn progress(&self) -> (u64, u64) {
        let done = match &self.rows {
            Rows::Csv(reader) => reader.position().byte(),
            Rows::Sheet { done, .. } => *done,
        };
        (done, self.size)
    }
}

/// Whether `file` starts as a workbook does (a zip archive: .xlsx, .ods; an OLE compound
/// file: .xls), for a spreadsheet saved under a name ending in ".csv". Leaves the file at
/// its start.
fn is_workbook(file: &mut std::fs::File) -> std::io::Result<bool> {
    use std::io::Seek as _;
    let mut start = Vec::with_capacity(4);
    (&mut *file).take(4).read_to_end(&mut start)?;
    file.rewind()?;
    Ok(start == b"PK\x03\x04" || start == [0xD0, 0xCF, 0x11, 0xE0])
}

/// A CSV error that concerns one row (wrong number of fields, not UTF-8) as the byte the row
/// starts at and its problem; `None` for an error that stops the reading (I/O).
fn csv_row_problem(e: &csv::Error) -> Option<(u64, RowShape)> {
    let line = e.position().map_or(0, csv::Position::byte);
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => Some((
            line,
            RowShape::FieldCount {
                len: *len,
                expected: *expected_len,
            },
        )),
        csv::ErrorKind::Utf8 { .. } => Some((line, RowShape::NotUtf8)),
        _ => None,
    }
}

/// A reader that notes where the line breaks are in what it reads, to tell the line a
/// record starts on from the byte the csv crate says it starts at.
struct LineBreaks<R> {
    inner: R,
    /// Bytes read so far.
    read: u64,
    /// Where each `\r` or `\n` not yet passed is, and how many `\n` there are up to it.
    breaks: std::collections::VecDeque<(u64, u64)>,
    /// How many `\n` there are before the first of `breaks`.
    passed: u64,
}

impl<R: Read> LineBreaks<R> {
    fn new(inner: R) -> LineBreaks<R> {
        LineBreaks {
            inner,
            read: 0,
            breaks: std::collections::VecDeque::new(),
            passed: 0,
        }
    }

    /// The line of the record the csv crate places at `byte`: the csv crate may place a
    /// record at the line breaks (or empty lines) before it, so the record starts at the
    /// first byte from `byte` on that is not one. Lines are asked for in file order; the
    /// breaks before are forgotten.
    fn line_at(&mut self, byte: u64) -> u64 {
        while self.breaks.front().is_some_and(|(at, _)| *at < byte) {
            if let Some((_, newlines)) = self.breaks.pop_front() {
                self.passed = newlines;
            }
        }
        let mut start = byte;
        while let Some(&(at, newlines)) = self.breaks.front()
            && at == start
        {
            self.breaks.pop_front();
            self.passed = newlines;
            start += 1;
        }
        self.passed + 1
    }
}

impl<R: Read> Read for LineBreaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut newlines = self.breaks.back().map_or(self.passed, |(_, n)| *n);
        for (i, byte) in buf[..n].iter().enumerate() {
            if matches!(byte, b'\r' | b'\n') {
                newlines += u64::from(*byte == b'\n');
                self.breaks.push_back((self.read + i as u64, newlines));
            }
        }
        self.read += n as u64;
        Ok(n)
    }
}

/// The most bytes read looking for the end of the header line.
const MAX_HEADER_LINE: usize = 64 * 1024;

/// Reads the header line's bytes: up to and with the first line break outside quotes (or the
/// end of the input, or [`MAX_HEADER_LINE`] bytes).
fn read_header_line(input: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut line = Vec::new();
    let mut quoted = false;
    loop {
        let before = line.len();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(line);
        }
        quoted ^= line[before..].iter().filter(|b| **b == b'"').count() % 2 == 1;
        if !quoted || line.len() >= MAX_HEADER_LINE {
            return Ok(line);
        }
    }
}

/// The delimiter of a CSV file from its header line: whichever of `,` `;` and tab it has
/// most of outside quotes (a comma when it has none, a file of one column).
fn detect_delimiter(header_line: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for byte in header_line {
        match byte {
            b'"' => quoted = !quoted,
            _ if quoted => {}
            _ => {
                if let Some((_, n)) = counts.iter_mut().find(|(d, _)| d == byte) {
                    *n += 1;
                }
            }
        }
    }
    // The first of the most frequent: on a tie the comma, then the semicolon.
    counts
        .iter()
        .fold(
            (b',', 0),
            |best, &(d, n)| if n > best.1 { (d, n) } else { best },
        )
        .0
}

/// The text of a header cell.
fn header_text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.trim().to_owned(),
        other => other.to_string().trim().to_owned(),
    }
}

/// A sheet's row as a record of the header's width. A value right of the header's last
/// column is a row too wide; a cell the import cannot take is named by its column.
fn sheet_record(cells: &[Data], header: &csv::StringRecord) -> Result<csv::StringRecord, RowShape> {
    let width = header.len();
    if let Some(last) = cells.iter().rposition(|c| !matches!(c, Data::Empty))
        && last >= width
    {
        return Err(RowShape::FieldCount {
            len: last as u64 + 1,
            expected: width as u64,
        });
    }
    let mut record = csv::StringRecord::new();
    for (index, column) in header.iter().enumerate() {
        let text = cells.get(index).map_or(Ok(String::new()), cell_text);
        match text {
            Ok(text) => record.push_field(&text),
            Err(problem) => return Err(problem.in_column(column)),
        }
    }
    Ok(record)
}

/// What makes a cell unreadable.
enum CellProblem {
    /// A number of more digits than a spreadsheet keeps, written in full.
    LongNumber(String),
    /// A formula's error (`#N/A`, `#REF!`).
    Error(String),
}

impl CellProblem {
    /// The problem as the shape of a row, naming the cell's column.
    fn in_column(self, column: &str) -> RowShape {
        let column = column.to_owned();
        match self {
            CellProblem::LongNumber(value) => RowShape::LongNumber { column, value },
            CellProblem::Error(value) => RowShape::CellError { column, value },
        }
    }
}

/// The most digits of a number a spreadsheet keeps exactly.
const MAX_DIGITS: usize = 15;

/// The text of a cell, as a CSV export would have it.
fn cell_text(cell: &Data) -> Result<String, CellProblem> {
    let text = match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => whole_number(i.to_string())?,
        // A whole number is written without ".0" (or an exponent).
        Data::Float(f) if f.fract() == 0.0 => whole_number(format!("{f:.0}"))?,
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(when) => match when.as_datetime() {
            Some(t) if !when.is_duration() && t.time() == chrono::NaiveTime::MIN => {
                t.date().format("%Y-%m-%d").to_string()
            }
            Some(t) if !when.is_duration() => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            _ => when.as_f64().to_string(),
        },
        Data::DateTimeIso(s) => s.strip_suffix("T00:00:00").unwrap_or(s).to_owned(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Err(CellProblem::Error(e.to_string())),
    };
    Ok(text)
}

/// A whole number's digits, refused when there are more than [`MAX_DIGITS`].
fn whole_number(digits: String) -> Result<String, CellProblem> {
    if digits.trim_start_matches('-').len() > MAX_DIGITS {
        Err(CellProblem::LongNumber(digits))
    } else {
        Ok(digits)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// The header and every row of a CSV text: each row's line and fields, or its line and
    /// problem.
    type Got = (Vec<String>, Vec<(u64, Result<Vec<String>, RowShape>)>);

    fn rows(text: &[u8]) -> Got {
        let mut table = Table::csv(text).unwrap();
        let header = table.header().iter().map(str::to_owned).collect();
        let mut record = csv::StringRecord::new();
        let mut out = Vec::new();
        while let Some(next) = table.next(&mut record).unwrap() {
            out.push(match next {
                Next::Row(line) => (line, Ok(record.iter().map(str::to_owned).collect())),
                Next::Bad(line, shape) => (line, Err(shape)),
            });
        }
        (header, out)
    }

    fn fields(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn detects_the_delimiter_from_the_header_line() {
        assert_eq!(detect_delimiter(b"full_name,phone,date_of_birth\n"), b',');
        assert_eq!(detect_delimiter(b"full_name;phone;date_of_birth\r\n"), b';');
        assert_eq!(
            detect_delimiter(b"full_name\tphone\tdate_of_birth\n"),
            b'\t'
        );
        // Delimiters inside quotes do not count; a comma in a semicolon file's name neither
        // wins.
        assert_eq!(detect_delimiter(b"\"name, full\";phone;email\n"), b';');
        assert_eq!(detect_delimiter(b"\"a;b;c\",phone\n"), b',');
        // One column, or a tie: the comma.
        assert_eq!(detect_delimiter(b"phone\n"), b',');
        assert_eq!(detect_delimiter(b"a,b;c\n"), b',');
        assert_eq!(detect_delimiter(b""), b',');
    }

    #[test]
    fn reads_semicolons_and_tabs_with_quotes() {
        let (header, got) = rows(b"full_name;phone\n\"Siti; Nur\";0812 3456\nBudi;0813\n");
        assert_eq!(header, fields(&["full_name", "phone"]));
        assert_eq!(
            got,
            vec![
                (2, Ok(fields(&["Siti; Nur", "0812 3456"]))),
                (3, Ok(fields(&["Budi", "0813"]))),
            ]
        );
        let (header, got) = rows(b"phone\tfull_name\n0812\tAni, S.\n");
        assert_eq!(header, fields(&["phone", "full_name"]));
        assert_eq!(got, vec![(2, Ok(fields(&["0812", "Ani, S."])))]);
    }

    #[test]
    fn numbers_rows_by_the_line_they_start_on() {
        // A quoted header over two lines, a quoted value over three, CRLF line ends.
        let text = "\"full\r\nname\";phone\r\n\
                    A;1\r\n\
                    \"B\r\nstill B\r\nand B\";2\r\n\
                    C;3;extra\r\n\
                    D;4\r\n";
        let (header, got) = rows(text.as_bytes());
        assert_eq!(header, fields(&["full\r\nname", "phone"]));
        assert_eq!(
            got,
            vec![
                (3, Ok(fields(&["A", "1"]))),
                (4, Ok(fields(&["B\r\nstill B\r\nand B", "2"]))),
                (
                    7,
                    Err(RowShape::FieldCount {
                        len: 3,
                        expected: 2
                    })
                ),
                (8, Ok(fields(&["D", "4"]))),
            ]
        ); // Empty lines are skipped and still counted; a last line without a line break.
        let (_, got) = rows(b"a,b\n1,2\n\n\n3,4\n\r\n5,6,7\n8,9");
        assert_eq!(
            got,
            vec![
                (2, Ok(fields(&["1", "2"]))),
                (5, Ok(fields(&["3", "4"]))),
                (
                    7,
                    Err(RowShape::FieldCount {
                        len: 3,
                        expected: 2
                    })
                ),
                (8, Ok(fields(&["8", "9"]))),
            ]
        );
    }

    #[test]
    fn refuses_text_that_is_not_utf8_by_row() {
        // "José" in Windows-1252.
        let (_, got) = rows(b"full_name,phone\nJos\xe9,0812\n");
        assert_eq!(got, vec![(2, Err(RowShape::NotUtf8))]);
    }

    #[test]
    fn cells_as_a_csv_export_writes_them() {
        let text = |cell: Data| cell_text(&cell).ok().unwrap();
        assert_eq!(text(Data::Float(81234567890.0)), "81234567890");
        assert_eq!(text(Data::Float(1234.5)), "1234.5");
        assert_eq!(text(Data::Int(-12)), "-12");
        assert_eq!(text(Data::String(" Siti ".to_owned())), "Siti");
        assert_eq!(text(Data::Bool(true)), "TRUE");
        assert_eq!(
            text(Data::DateTimeIso("1990-08-17T00:00:00".to_owned())),
            "1990-08-17"
        );
        let day =
            calamine::ExcelDateTime::new(33102.0, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(text(Data::DateTime(day)), "1990-08-17");
        assert!(matches!(
            cell_text(&Data::Float(3171000044440001.0)),
            Err(CellProblem::LongNumber(v)) if v == "3171000044440001"
        ));
        assert!(matches!(
            cell_text(&Data::Error(calamine::CellErrorType::NA)),
            Err(CellProblem::Error(v)) if v == "#N/A"
        ));
    }

    #[test]
    fn reads_the_first_sheet_by_the_row_numbers_it_shows() {
        let dir = tempfile::tempdir().unwrap();
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        // Rows 1 and 2 empty, the header on row 3 from column B, row 5 empty.
        sheet.write_string(2, 1, " Phone ").unwrap();
        sheet.write_string(2, 2, "full_name").unwrap();
        sheet.write_number(3, 1, 81234567890.0).unwrap();
        sheet.write_string(3, 2, "Siti").unwrap();
        sheet.write_string(5, 1, "0813 1111 2222").unwrap();
        book.add_worksheet()
            .write_string(0, 0, "second sheet")
            .unwrap();
        // Saved under a CSV name: read as the workbook it is.
        for name in ["customers.xlsx", "customers.csv"] {
            let path = dir.path().join(name);
            book.save(&path).unwrap();
            let mut table = Table::open(&path).unwrap();
            assert_eq!(
                table.header(),
                &csv::StringRecord::from(vec!["Phone", "full_name"])
            );
            let mut record = csv::StringRecord::new();
            let mut got = Vec::new();
            while let Some(Next::Row(line)) = table.next(&mut record).unwrap() {
                got.push((line, record.iter().map(str::to_owned).collect::<Vec<_>>()));
                assert_eq!(table.progress().1, 3);
            }
            assert_eq!(
                got,
                vec![
                    (4, fields(&["81234567890", "Siti"])),
                    (5, fields(&["", ""])),
                    (6, fields(&["0813 1111 2222", ""])),
                ]
            );
        }
    }

    #[test]
    fn sheet_rows_beyond_the_header_are_too_wide() {
        let header = csv::StringRecord::from(vec!["phone", "full_name"]);
        let row = [Data::Int(812), Data::Empty, Data::Empty];
        assert_eq!(
            sheet_record(&row, &header).unwrap(),
            csv::StringRecord::from(vec!["812", ""])
        );
        let row = [Data::Int(812), Data::Empty, Data::String("x".to_owned())];
        assert_eq!(
            sheet_record(&row, &header),
            Err(RowShape::FieldCount {
                len: 3,
                expected: 2
            })
        );
        let row = [Data::Error(calamine::CellErrorType::Ref)];
        assert_eq!(
            sheet_record(&row, &header),
            Err(RowShape::CellError {
                column: "phone".to_owned(),
                value: "#REF!".to_owned()
            })
        );
    }
}
