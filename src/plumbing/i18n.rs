//! The message catalogue: every string a customer or staff member reads, in English and
//! Bahasa Indonesia.
//!
//! Each message is a variant of [`Msg`] with both translations side by side, so a message
//! without its Indonesian text does not compile. Messages with values to fill in use
//! `{name}` placeholders, filled by [`Lang::fill`]. Log lines and command-line output for the
//! installer are not user-facing in this sense and stay in English.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};

/// The months' short names, January first.
const MONTHS: [Msg; 12] = [
    Msg::MonthJan,
    Msg::MonthFeb,
    Msg::MonthMar,
    Msg::MonthApr,
    Msg::MonthMay,
    Msg::MonthJun,
    Msg::MonthJul,
    Msg::MonthAug,
    Msg::MonthSep,
    Msg::MonthOct,
    Msg::MonthNov,
    Msg::MonthDec,
];

/// A language the pages are offered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Lang {
    En,
    Id,
}

impl Lang {
    /// Every language, in the order offered to users.
    pub(crate) const ALL: [Lang; 2] = [Lang::En, Lang::Id];

    /// The BCP 47 code, used in `lang` attributes, cookies and configuration.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Id => "id",
        }
    }

    /// The language named by its code.
    pub(crate) fn from_code(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "id" => Some(Lang::Id),
            _ => None,
        }
    }

    /// The language's name in itself, for the language switch.
    pub(crate) fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Id => "Bahasa Indonesia",
        }
    }

    /// The text of a message.
    pub(crate) fn t(self, msg: Msg) -> &'static str {
        msg.text(self)
    }

    /// A count in words, `one` for exactly one and `other` for any other number ("1 item",
    /// "2 items"), its `{n}` filled in. Indonesian does not inflect ("1 barang", "2 barang"),
    /// but its texts are chosen the same way, so each language decides in its own texts.
    pub(crate) fn count(self, n: u64, one: Msg, other: Msg) -> String {
        let msg = if n == 1 { one } else { other };
        self.fill(msg, &[("n", &n.to_string())])
    }

    /// The label of a list of `n` things: `one` for exactly one ("Item"), else `other`
    /// ("Items").
    pub(crate) fn label_for(self, n: usize, one: Msg, other: Msg) -> &'static str {
        self.t(if n == 1 { one } else { other })
    }

    /// A number of days in words: "1 day", "15 days" ("1 hari", "15 hari").
    pub(crate) fn days(self, n: u32) -> String {
        self.count(u64::from(n), Msg::PeriodOfOneDay, Msg::PeriodOfDays)
    }

    /// A date as people write it: "1 Dec 2026", "1 Des 2026" (ISO stays for CSV and inputs).
    pub(crate) fn date(self, date: NaiveDate) -> String {
        let month = MONTHS[date.month0() as usize];
        format!("{} {} {}", date.day(), self.t(month), date.year())
    }

    /// A local date and time as people write it: "1 Des 2026 19:53".
    pub(crate) fn datetime(self, at: DateTime<FixedOffset>) -> String {
        format!("{} {}", self.date(at.date_naive()), at.format("%H:%M"))
    }

    /// The text of a message with its `{name}` placeholders filled in.
    pub(crate) fn fill(self, msg: Msg, values: &[(&str, &str)]) -> String {
        fill_in(msg.text(self), values)
    }
}

/// `text` with each `{name}` of `values` replaced by its value, in one pass: a value is
/// never read for placeholders itself (a customer named "{amount}" stays so), and braces that
/// name no value are kept as written.
fn fill_in(text: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(text.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let named = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, value)| (*value, close))
        });
        match named {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The words of a text, lowercased, its `{placeholder}` names left out: what the
/// untranslated-word test compares ("Due {date}" gives "due").
pub(crate) fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    let mut in_placeholder = false;
    text.split(move |c: char| {
        let split = in_placeholder || !c.is_alphabetic() || c == '{';
        if c == '{' {
            in_placeholder = true;
        } else if c == '}' {
            in_placeholder = false;
        }
        split
    })
    .filter(|w| w.chars().count() > 1)
    .map(str::to_lowercase)
}

/// Words found in some English message but in no Indonesian one: if one of them shows on a page
/// in Indonesian, something on that page was not translated.
pub(crate) fn english_only_words() -> std::collections::BTreeSet<String> {
    let indonesian: std::collections::BTreeSet<String> = Msg::ALL
        .iter()
        .flat_map(|m| words(m.text(Lang::Id)))
        .collect();
    Msg::ALL
        .iter()
        .flat_map(|m| words(m.text(Lang::En)))
        .filter(|w| !indonesian.contains(w))
        .collect()
}

/// Declares the catalogue: one line per message, English then Indonesian.
macro_rules! catalogue {
    ($($key:ident => $en:literal, $id:literal;)*) => {
        /// A user-facing message; see the module documentation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Msg {
            $($key,)*
        }

        impl Msg {
            /// Every message, for tests of the catalogue and of the pages' words.
            pub(crate) const ALL: &'static [Msg] = &[$(Msg::$key,)*];

            /// The message in a language.
            pub(crate) fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(
                        (Msg::$key, Lang::En) => $en,
                        (Msg::$key, Lang::Id) => $id,
                    )*
                }
            }
        }
    };
}

catalogue! {
    // Shared words and layout.
    AppName => "Pawnbranch", "Pawnbranch";
    Language => "Language", "Bahasa";
    CustomerLanguage => "Language for messages", "Bahasa untuk pesan";
    CustomerLanguageHint => "SMS, emails and the portal are written in this language.", "SMS, email, dan portal ditulis dalam bahasa ini.";
    LanguageSaved => "Language saved.", "Bahasa disimpan.";
    LanguageUnknown => "Choose one of the languages offered.", "Pilih salah satu bahasa yang tersedia.";
    SkipToContent => "Skip to content", "Langsung ke isi";
    DemoBanner => "Demo branch: invented data for trying the system out. Nothing here is real.",
        "Cabang demo: data rekaan untuk mencoba sistem. Tidak ada yang nyata di sini.";
    Previous => "Previous", "Sebelumnya";
    Next => "Next", "Berikutnya";
    FieldRequired => "This field is required.", "Isian ini wajib diisi.";

    // Error pages.
    ErrBadRequestTitle => "The request could not be understood", "Permintaan tidak dapat dipahami";
    ErrBadForm => "The form could not be read ({reason}). Go back, reload the page and try again.",
        "Formulir tidak dapat dibaca ({reason}). Kembali, muat ulang halaman lalu coba lagi.";
    ErrControlCharacter => "A field holds a control character (an invisible character such as NUL, ESC or BEL), so nothing was saved. Retype the text without it and try again.",
        "Salah satu isian berisi karakter kontrol (karakter tak terlihat seperti NUL, ESC atau BEL), jadi tidak ada yang disimpan. Ketik ulang teksnya tanpa karakter itu lalu coba lagi.";
    ErrMalformed => "The address or the data sent could not be read.", "Alamat atau data yang dikirim tidak dapat dibaca.";
    ErrForbiddenTitle => "Not allowed", "Tidak diizinkan";
    ErrForbiddenBody => "Your account does not have permission for this page or action. Ask a manager if you need it.",
        "Akun Anda tidak memiliki izin untuk halaman atau tindakan ini. Tanyakan manajer jika Anda memerlukannya.";
    ErrNotFoundTitle => "Page not found", "Halaman tidak ditemukan";
    ErrNotFoundBody => "There is nothing at this address. Check the link, or go back to the start page.",
        "Tidak ada apa pun di alamat ini. Periksa tautannya, atau kembali ke halaman awal.";
    ErrMethodTitle => "Action not allowed here", "Tindakan tidak diizinkan di sini";
    ErrMethodBody => "This address does not accept that kind of request.", "Alamat ini tidak menerima jenis permintaan tersebut.";
    ErrTooLargeTitle => "Too much data sent", "Data yang dikirim terlalu besar";
    ErrTooLargeBody => "The form sent more data than this server accepts. Shorten the text and try again.",
        "Formulir mengirim data lebih banyak dari yang diterima server ini. Persingkat teksnya lalu coba lagi.";
    ErrInternalTitle => "Something went wrong", "Terjadi kesalahan";
    ErrInternalBody => "The server could not finish this request. Nothing was changed. Try again; if it keeps happening, tell the branch manager.",
        "Server tidak dapat menyelesaikan permintaan ini. Tidak ada yang diubah. Coba lagi; jika terus terjadi, beri tahu manajer cabang.";
    ErrCsrf => "This form has expired or did not come from this site. Go back, reload the page and try again.",
        "Formulir ini kedaluwarsa atau tidak berasal dari situs ini. Kembali, muat ulang halaman lalu coba lagi.";
    ErrTooManyBody => "Too many attempts from this device. Wait a few minutes and try again.",
        "Terlalu banyak percobaan dari perangkat ini. Tunggu beberapa menit lalu coba lagi.";
    GoToStart => "Go to the start page", "Ke halaman awal";
    BackToDashboard => "Back to the dashboard", "Kembali ke dasbor";

    // Customer portal.
    PortalTitle => "Welcome", "Selamat datang";
    PortalIntro => "Check your pawn loans, see what is due and extend a loan from your phone.",
        "Periksa pinjaman gadai Anda, lihat yang jatuh tempo, dan perpanjang pinjaman dari ponsel Anda.";
    PayMyLoan => "Pay My Loan", "Bayar Pinjaman Saya";
    PortalStaffLink => "Staff sign-in", "Masuk staf";

    // Portal login and profile.
    LoginIntro => "Enter the phone number you gave the branch. We will send you a code by SMS.",
        "Masukkan nomor telepon yang Anda berikan ke cabang. Kami akan mengirim kode lewat SMS.";
    PhoneHint => "For example 0812-3456-7890.", "Contoh: 0812-3456-7890.";
    SendCode => "Send code", "Kirim kode";
    CodeSentIfRegistered => "If this number is registered with us, we have sent a code.",
        "Jika nomor ini terdaftar pada kami, kami telah mengirim kode.";
    CodeSentTo => "Code sent to {phone}.", "Kode dikirim ke {phone}.";
    EnterCode => "Enter your code", "Masukkan kode Anda";
    Code => "Code", "Kode";
    CodeHint => "The 6 digits from the SMS.", "6 angka dari SMS.";
    LogIn => "Log in", "Masuk";
    ResendCode => "Resend code", "Kirim ulang kode";
    UseAnotherNumber => "Use another number", "Gunakan nomor lain";
    CodeSms => "{code} is your {branch} code. It expires in {minutes} minutes. Never share it with anyone.",
        "{code} adalah kode {branch} Anda. Berlaku {minutes} menit. Jangan berikan kepada siapa pun.";
    CodeExpired => "This code has expired. Request a new one.", "Kode ini sudah kedaluwarsa. Minta kode baru.";
    CodeWrong => "That code is not right. {remaining} tries left before your account is locked.",
        "Kode itu salah. Tersisa {remaining} kali percobaan sebelum akun Anda dikunci.";
    CodeDailyLimit => "You have reached today's limit; try again tomorrow or ask at the counter.",
        "Anda telah mencapai batas hari ini; coba lagi besok atau tanyakan di loket.";
    CodeTooSoon => "Please wait {seconds} seconds before asking for another code.",
        "Mohon tunggu {seconds} detik sebelum meminta kode lain.";
    CustomerLocked => "Your account is locked after too many wrong codes. Please ask a staff member at the counter to unlock it.",
        "Akun Anda terkunci karena terlalu banyak kode yang salah. Silakan minta staf di loket untuk membukanya.";
    PhoneSharedSeeCounter => "We cannot log you in with this number: it is on more than one customer record. Please see the counter, and staff will sort it out.",
        "Kami tidak dapat memasukkan Anda dengan nomor ini: nomor ini tercatat pada lebih dari satu data nasabah. Silakan ke loket, staf akan membereskannya.";
    LogOut => "Log out", "Keluar";
    LoggedOut => "You have logged out.", "Anda telah keluar.";
    CompleteProfile => "Complete your profile", "Lengkapi profil Anda";
    MyDetails => "My details", "Data saya";
    ProfileIntro => "Before you continue, please check and complete your details.",
        "Sebelum melanjutkan, mohon periksa dan lengkapi data Anda.";
    IdNumber => "ID number", "Nomor KTP";
    IdNumberHint => "Your national ID (KTP) number.", "Nomor induk kependudukan (KTP) Anda.";
    DateOfBirth => "Date of birth", "Tanggal lahir";
    Address => "Address", "Alamat";
    EmailOptional => "Email (optional)", "Email (opsional)";
    PhoneChangeHint => "If you change it, we will send a code to the new number; it replaces the old one once you enter the code.",
        "Jika Anda mengubahnya, kami akan mengirim kode ke nomor baru; nomor itu menggantikan yang lama setelah Anda memasukkan kodenya.";
    Save => "Save", "Simpan";
    FormHasErrors => "Please correct the fields marked below.", "Mohon perbaiki isian yang ditandai di bawah.";
    FullNameInvalid => "Enter your full name.", "Masukkan nama lengkap Anda.";
    IdNumberInvalid => "Enter 6 to 20 letters or digits.", "Masukkan 6 sampai 20 huruf atau angka.";
    DateOfBirthInvalid => "Enter a real date of birth, e.g. 1985-04-17.", "Masukkan tanggal lahir yang benar, mis. 1985-04-17.";
    AddressInvalid => "Enter your address.", "Masukkan alamat Anda.";
    EmailInvalid => "This does not look like an email address.", "Ini tidak tampak seperti alamat email.";
    ProfileSaved => "Your details are saved.", "Data Anda tersimpan.";
    ProfilePhoneTaken => "This number cannot be used for your account. If it is yours, please see the counter.",
        "Nomor ini tidak dapat dipakai untuk akun Anda. Jika nomor ini milik Anda, silakan ke loket.";
    NewPhoneCodeSent => "Your details are saved. We sent a code to your new number: enter it below to confirm the change. Until then we keep your old number.",
        "Data Anda tersimpan. Kami mengirim kode ke nomor baru Anda: masukkan di bawah untuk mengonfirmasi perubahan. Sampai saat itu kami tetap memakai nomor lama Anda.";
    NewPhonePending => "Your new number {phone} takes effect once you enter the code we sent to it. Until then we use {old}.",
        "Nomor baru Anda {phone} berlaku setelah Anda memasukkan kode yang kami kirim ke nomor itu. Sampai saat itu kami memakai {old}.";
    ConfirmNewPhone => "Confirm the new number", "Konfirmasi nomor baru";
    KeepOldPhone => "Keep my old number", "Tetap pakai nomor lama";
    NewPhoneConfirmed => "Your new number is saved and verified.", "Nomor baru Anda tersimpan dan terverifikasi.";
    NewPhoneCancelled => "Your number stays as it was.", "Nomor Anda tetap seperti semula.";
    VerifyReminder => "Your phone number is not verified yet.", "Nomor telepon Anda belum diverifikasi.";
    VerifyNow => "Verify now", "Verifikasi sekarang";
    VerifyPhoneTitle => "Verify your phone number", "Verifikasi nomor telepon Anda";
    VerifyPhoneIntro => "We will send a code to {phone}. Enter it below to verify the number.",
        "Kami akan mengirim kode ke {phone}. Masukkan di bawah untuk memverifikasi nomor.";
    PhoneVerified => "Your phone number is verified.", "Nomor telepon Anda sudah terverifikasi.";
    MyLoans => "My loans", "Pinjaman saya";
    Hello => "Hello, {name}.", "Halo, {name}.";
    NoLoans => "You have no pawn loans with this branch.", "Anda tidak memiliki pinjaman gadai di cabang ini.";
    Principal => "Loan amount", "Uang pinjaman";
    Maturity => "Due date", "Jatuh tempo";
    StateOrigination => "Being prepared", "Sedang disiapkan";
    StateActive => "Active", "Aktif";
    StateDue => "Due", "Jatuh tempo";
    StateGrace => "Overdue (grace period)", "Lewat jatuh tempo (masa tenggang)";
    StateNotice => "Overdue (final notice)", "Lewat jatuh tempo (pemberitahuan akhir)";
    StateForfeited => "Forfeited", "Dilelang/disita";
    StateRedeemed => "Redeemed", "Ditebus";
    StateCancelled => "Cancelled", "Dibatalkan";
    EventCodeSent => "Code sent", "Kode dikirim";
    EventCodeAccepted => "Code entered correctly", "Kode dimasukkan dengan benar";
    EventCodeFailed => "Wrong code entered", "Kode salah dimasukkan";
    CodeSentDetail => "{purpose} to {to}", "{purpose} ke {to}";
    WrongCodesDetail => "{n} of {max}", "{n} dari {max}";
    PurposeNewPhone => "New number code", "Kode nomor baru";
    EventLocked => "Locked after wrong codes", "Dikunci karena kode salah";
    EventUnlocked => "Unlocked", "Dibuka kuncinya";
    EventPhoneVerified => "Phone verified", "Telepon terverifikasi";
    EventPhoneChanged => "Phone number changed", "Nomor telepon diubah";
    EventProfileCompleted => "Profile completed", "Profil dilengkapi";

    // Staff customer and ticket pages.
    SearchCustomers => "Name, phone or ID number", "Nama, telepon, atau nomor KTP";
    Search => "Search", "Cari";
    BadgeVerified => "Phone verified", "Telepon terverifikasi";
    BadgePhoneVerification => "Phone verification", "Verifikasi telepon";
    BadgeLocked => "Locked", "Terkunci";
    PhoneNumberVerification => "Phone Number Verification", "Verifikasi Nomor Telepon";
    CounterVerifyIntro => "Send a code to {phone}; the customer reads it from the phone and you type it in.",
        "Kirim kode ke {phone}; nasabah membacakannya dari ponsel dan Anda mengetikkannya.";
    CustomerLockedStaff => "This customer is locked after too many wrong codes.", "Nasabah ini terkunci karena terlalu banyak kode salah.";
    Unlock => "Unlock", "Buka kunci";
    CustomerUnlocked => "Customer unlocked. Wrong codes will lock them again.", "Kunci nasabah dibuka. Kode salah akan menguncinya lagi.";
    PhoneVerifiedStaff => "Phone number verified.", "Nomor telepon terverifikasi.";
    CustomerSelf => "Customer", "Nasabah";
    NoLoansStaff => "No tickets.", "Tidak ada tiket.";
    Item => "Item", "Barang";
    Items => "Items", "Barang";
    StartDate => "Start date", "Tanggal mulai";
    ApprovalNeedsVerifiedPhone => "This loan cannot be approved until the customer's phone number is verified.",
        "Pinjaman ini tidak dapat disetujui sampai nomor telepon nasabah terverifikasi.";
    NotAwaitingApproval => "This ticket is not awaiting approval.", "Tiket ini tidak menunggu persetujuan.";
    LoanApproved => "Loan approved.", "Pinjaman disetujui.";
    WaitingSecondApproval => "Waiting for a second approval: a ticket above {limit} is approved and paid out by another staff member than the one who wrote it.",
        "Menunggu persetujuan kedua: tiket di atas {limit} disetujui dan dicairkan oleh staf lain, bukan yang membuatnya.";
    SecondApprovalRefused => "You wrote this ticket: above {limit}, another staff member must approve and pay it out.",
        "Anda yang membuat tiket ini: di atas {limit}, staf lain yang harus menyetujui dan mencairkannya.";

    // Tickets, payments and the ledger.
    Product => "Product", "Produk";
    OwedOn => "Owed on {date}", "Terutang per {date}";
    Interest => "Interest", "Bunga (sewa modal)";
    Fees => "Fees", "Biaya";
    PrincipalOutstanding => "Principal outstanding", "Sisa pokok";
    DueToday => "Due today", "Jatuh tempo hari ini";
    ToRedeem => "To redeem today", "Untuk menebus hari ini";
    Schedule => "Schedule", "Jadwal angsuran";
    DisbursedBy => "Paid out by", "Dicairkan melalui";
    Reference => "Reference", "Referensi";
    ApproveAndDisburse => "Approve and pay out", "Setujui dan cairkan";
    TakePayment => "Take a payment", "Terima pembayaran";
    Extend => "Extend", "Perpanjang";
    ExtensionExplained => "Pays the interest and fees owed; the new due date is {date}.",
        "Membayar bunga dan biaya terutang; jatuh tempo baru {date}.";
    PartialPayment => "Partial payment", "Pembayaran sebagian";
    Redeem => "Redeem", "Tebus";
    RedemptionExplained => "Pays everything owed; the item goes back to the customer and the ticket closes.",
        "Membayar seluruh kewajiban; barang dikembalikan kepada nasabah dan tiket ditutup.";
    Transactions => "Transactions", "Transaksi";
    MethodCash => "Cash", "Tunai";
    MethodBank => "Bank transfer", "Transfer bank";
    MethodMobile => "Mobile money", "Uang elektronik";
    MethodNone => "Correction", "Koreksi";
    Amount => "Amount", "Jumlah";
    PaidBy => "Paid by", "Dibayar melalui";
    ItemHandedOver => "The item has been handed over to the customer", "Barang sudah diserahkan kepada nasabah";
    Kind => "Kind", "Jenis";
    Debit => "Debit", "Debit";
    Credit => "Credit", "Kredit";
    Balance => "Balance", "Saldo";
    Reversed => "Reversed", "Dibatalkan";
    EntryDisbursement => "Loan paid out", "Pencairan pinjaman";
    DisbursementPayout => "Payout", "Pencairan";
    DisbursementSent => "Sent", "Terkirim";
    DisbursementFailed => "Failed", "Gagal";
    DisbursementMadeAgain => "Made again", "Dilakukan ulang";
    DisbursementReplaces => "makes a failed payout again", "mengulang pencairan yang gagal";
    DisbursementPaidInCash => "Paid out in cash at the counter", "Dicairkan tunai di loket";
    DisbursementSentAt => "sent {at} by {who}", "dikirim {at} oleh {who}";
    DisbursementFailedAt => "marked failed {at} by {who}: {reason}", "ditandai gagal {at} oleh {who}: {reason}";
    DisbursementOutstanding => "The payout failed and waits to be made again: the customer owes nothing on this ticket meanwhile, and no interest runs.",
        "Pencairan gagal dan menunggu dilakukan ulang: nasabah tidak berutang apa pun pada tiket ini sementara itu, dan bunga tidak berjalan.";
    PortalPayoutWaits => "The money of this loan did not reach you and will be paid out again. Until then you owe nothing on it: there is nothing to pay or extend.",
        "Uang pinjaman ini belum sampai kepada Anda dan akan dicairkan ulang. Sampai saat itu Anda tidak berutang apa pun: tidak ada yang perlu dibayar atau diperpanjang.";
    DisbursementMarkFailed => "Mark the payout failed", "Tandai pencairan gagal";
    DisbursementMakeAgain => "Make the payout again", "Lakukan ulang pencairan";
    DisbursementReference => "Transfer or wallet reference", "Referensi transfer atau dompet";
    DisbursementFailedDone => "The payout is marked failed and reversed in the ledger.", "Pencairan ditandai gagal dan dibatalkan di buku besar.";
    DisbursementMadeAgainDone => "The payout was made again.", "Pencairan sudah dilakukan ulang.";
    DisbursementCashCannotFail => "Cash was handed over at the counter and cannot be marked failed; a mistake in it is a ledger correction.",
        "Uang tunai diserahkan di loket dan tidak dapat ditandai gagal; kesalahan padanya dikoreksi di buku besar.";
    DisbursementNotSent => "Only a payout that was sent can be marked failed.", "Hanya pencairan yang terkirim yang dapat ditandai gagal.";
    DisbursementNotFailed => "Only a failed payout can be made again.", "Hanya pencairan yang gagal yang dapat dilakukan ulang.";
    DisbursementTicketClosed => "The ticket is no longer open.", "Tiket sudah tidak terbuka.";
    DisbursementPaidOn => "Something was paid on this ticket: the customer has the money. Correct the ledger instead.",
        "Sudah ada pembayaran pada tiket ini: nasabah sudah menerima uangnya. Koreksi buku besar saja.";
    DisbursementReasonNeeded => "Say why the payout failed (3 to 500 characters).", "Sebutkan mengapa pencairan gagal (3 sampai 500 karakter).";
    DisbursementChooseMethod => "Choose how to pay out: cash, bank transfer or mobile money.", "Pilih cara pencairan: tunai, transfer bank atau uang elektronik.";
    DisbursementNoneForCase => "No payout with a state: the case's ticket was paid out in cash, or the case concerns no ticket.",
        "Tidak ada pencairan dengan status: tiket kasus ini dicairkan tunai, atau kasus tidak terkait tiket.";
    EntryInterestPaid => "Interest paid", "Bunga dibayar";
    EntryFeePaid => "Fees paid", "Biaya dibayar";
    EntryPrincipalPaid => "Principal repaid", "Pokok dibayar";
    EntryReversal => "Correction (reversal)", "Koreksi (pembatalan)";
    EntryInterestCharged => "Interest charged", "Bunga dibebankan";
    EntryFeeCharged => "Fee charged", "Biaya dibebankan";
    EntryInterestCredited => "Interest credited back", "Bunga dikreditkan kembali";
    EntryFeeCredited => "Fee credited back", "Biaya dikreditkan kembali";
    EntryDisposalSale => "Sold after forfeiture", "Terjual setelah disita";
    EntrySurplusPayout => "Surplus paid out", "Uang kelebihan dibayarkan";
    EntrySurplusExpiry => "Surplus unclaimed (expired)", "Uang kelebihan tidak diambil (kedaluwarsa)";
    EntryDrawerFloat => "Drawer float from the safe", "Modal laci dari brankas";
    EntrySafeTransfer => "Cash between drawer and safe", "Kas antara laci dan brankas";
    EntryDrawerCount => "Drawer over/short", "Selisih lebih/kurang laci";
    DrawerMine => "My cash drawer", "Laci kas saya";
    Drawers => "Cash drawers", "Laci kas";
    DrawerNoneOpen => "You have no drawer open. Count the float you take from the safe, then open your drawer.",
        "Anda belum membuka laci. Hitung modal awal yang Anda ambil dari brankas, lalu buka laci Anda.";
    DrawerOpenAction => "Open my drawer", "Buka laci saya";
    DrawerFloat => "Float", "Modal awal";
    DrawerExpected => "Expected in the drawer", "Seharusnya ada di laci";
    DrawerOpenedAt => "Opened", "Dibuka";
    DrawerClosedAt => "Closed", "Ditutup";
    DrawerByDenomination => "Count by notes and coins (optional)", "Hitung per pecahan uang (opsional)";
    DrawerCounted => "Counted", "Hasil hitung";
    DrawerOverShort => "Over (+) or short (-)", "Lebih (+) atau kurang (-)";
    DrawerReason => "Reason for any difference", "Alasan bila ada selisih";
    DrawerCloseAction => "Count and close the drawer", "Hitung dan tutup laci";
    DrawerOpened => "Your drawer is open.", "Laci Anda sudah dibuka.";
    DrawerClosedDone => "The drawer is closed. A manager signs the count off.",
        "Laci sudah ditutup. Manajer akan menyetujui hasil hitungnya.";
    DrawerAlreadyOpen => "You have a drawer open already.", "Anda sudah membuka laci.";
    DrawerIsClosed => "This drawer is closed and takes no more movements.",
        "Laci ini sudah ditutup dan tidak menerima transaksi lagi.";
    DrawerReasonNeeded => "The count differs from the expected balance: give the reason.",
        "Hasil hitung berbeda dari saldo seharusnya: tuliskan alasannya.";
    DrawerOwnCount => "A count is signed off by a manager other than the clerk whose drawer it is.",
        "Hasil hitung disetujui oleh manajer selain kasir pemilik laci.";
    DrawerSignedOffAlready => "This is signed off already.", "Ini sudah disetujui.";
    DrawerStillOpen => "The drawer is still open: the clerk counts and closes it first.",
        "Laci masih terbuka: kasir menghitung dan menutupnya lebih dulu.";
    DrawerAmountNegative => "Enter an amount of zero or more.", "Masukkan jumlah nol atau lebih.";
    DrawerCountsDiffer => "The notes and coins add up to {total}, not the amount entered.",
        "Pecahan uang berjumlah {total}, bukan jumlah yang dimasukkan.";
    DrawerSignOffAction => "Sign off the count", "Setujui hasil hitung";
    DrawerSignedOffBy => "Signed off by", "Disetujui oleh";
    DrawerSignedOff => "The count is signed off.", "Hasil hitung sudah disetujui.";
    DrawerLeftOpen => "Left open past midnight", "Dibiarkan terbuka lewat tengah malam";
    DrawerClerk => "Clerk", "Kasir";
    DrawerMovements => "Cash movements", "Mutasi kas";
    DrawerNoMovements => "No cash movements yet.", "Belum ada mutasi kas.";
    DrawerNone => "No drawers on this day.", "Tidak ada laci pada hari ini.";
    DrawerPrint => "Print the drawer sheet", "Cetak lembar laci";
    DrawerOpenNow => "Open", "Terbuka";
    SafeTransfers => "Cash with the safe", "Kas dengan brankas";
    SafeToSafe => "From the drawer to the safe", "Dari laci ke brankas";
    SafeFromSafe => "From the safe to the drawer", "Dari brankas ke laci";
    SafeDirection => "Which way", "Arah";
    SafeAsk => "Ask a second person to confirm", "Minta orang kedua mengonfirmasi";
    SafeWaiting => "Waiting for a second person", "Menunggu orang kedua";
    SafeConfirm => "Confirm: the cash was moved", "Konfirmasi: uang sudah dipindahkan";
    SafeAsked => "Asked. A second staff member confirms it when the cash moves.",
        "Sudah diminta. Staf kedua mengonfirmasi saat uang dipindahkan.";
    SafeConfirmed => "Confirmed: the cash moved with the safe.", "Terkonfirmasi: uang sudah dipindahkan dengan brankas.";
    SafeOwnTransfer => "A second staff member confirms cash moved with the safe, not the one who asked.",
        "Staf kedua, bukan yang meminta, yang mengonfirmasi pemindahan uang dengan brankas.";
    SafeAskedBy => "Asked by", "Diminta oleh";
    OtherMethodsToday => "Other methods this day", "Metode lain pada hari ini";
    MethodReceived => "Received", "Diterima";
    MethodPaid => "Paid out", "Dibayarkan";
    StatementMatchTitle => "Transfers and mobile money against the statements", "Transfer dan uang elektronik dibandingkan dengan mutasi";
    StatementMatchStatement => "On the statements", "Menurut mutasi";
    StatementMatchLedger => "Received in the ledger", "Diterima menurut buku besar";
    StatementMatchDifference => "Difference", "Selisih";
    StatementMatchLines => "Statement lines", "Baris mutasi";
    StatementMatchMatched => "Matched", "Cocok";
    StatementMatchOver => "Over by {amount}", "Lebih {amount}";
    StatementMatchShort => "Short by {amount}", "Kurang {amount}";
    StatementMatchNoLines => "No statement line of this day imported yet.", "Belum ada baris mutasi hari ini yang diimpor.";
    StatementMatchInOnly => "Statements carry money in only: what was paid out is shown, not matched. A payment reversed on its own day counts on neither side.",
        "Mutasi hanya memuat uang masuk: uang yang dibayarkan ditampilkan, tidak dicocokkan. Pembayaran yang dibatalkan pada hari yang sama tidak dihitung di kedua sisi.";
    StatementMatchLoneLines => "Statement lines no payment of the day accounts for", "Baris mutasi yang tidak sesuai dengan pembayaran mana pun hari ini";
    StatementMatchLonePayments => "Payments no statement line confirms", "Pembayaran yang tidak dikonfirmasi baris mutasi mana pun";
    StatementMatchBookedOn => "A payment with this reference is on {date}.", "Pembayaran dengan referensi ini tercatat pada {date}.";
    StatementMatchOnStatement => "On the statement of {date}.", "Ada di mutasi tanggal {date}.";
    StatementMatchTakenBy => "Taken by", "Diterima oleh";
    StatementMatchDiffers => "Differs from the statements", "Berbeda dengan mutasi";
    DayClose => "The day's close", "Tutup buku harian";
    DayCloseAction => "Close the day", "Tutup hari ini";
    DayClosedBy => "Closed by {name} at {time}.", "Ditutup oleh {name} pada {time}.";
    DayNotClosed => "The day is not closed yet.", "Hari ini belum ditutup.";
    DayClosed => "The day is closed.", "Hari sudah ditutup.";
    DayDrawersOpen => "The day cannot be closed while {count} cash drawer(s) are open.",
        "Hari tidak dapat ditutup selama {count} laci kas masih terbuka.";
    DayAlreadyClosed => "This day is closed already.", "Hari ini sudah ditutup.";
    DayNotYet => "A day is closed once it has begun.", "Hari baru dapat ditutup setelah dimulai.";
    DayLoansWritten => "Tickets paid out", "Tiket yang dicairkan";
    DayPayments => "Payments taken", "Pembayaran diterima";
    DayExtensions => "Extensions", "Perpanjangan";
    DayRedemptions => "Redemptions", "Penebusan";
    DayForfeits => "Forfeited", "Disita";
    DayDisposals => "Forfeited items sold (net)", "Barang sitaan terjual (bersih)";
    DayInterestTaken => "Interest taken", "Bunga diterima";
    DayFeesTaken => "Fees taken", "Biaya diterima";
    DayOver => "Drawers over", "Laci lebih";
    DayShort => "Drawers short", "Laci kurang";
    DaySmsSent => "SMS sent", "SMS terkirim";
    DaySmsFailed => "SMS failed", "SMS gagal";
    DayComplaintsOpened => "Complaints opened", "Pengaduan dibuka";
    DayComplaintsBreached => "Complaints past their service level", "Pengaduan melewati batas waktu layanan";
    DayCsv => "Download as CSV", "Unduh sebagai CSV";
    PrintOnA4 => "Print on A4", "Cetak di kertas A4";
    LeftOpenAlert => "{count} cash drawer(s) were left open past midnight.", "{count} laci kas dibiarkan terbuka lewat tengah malam.";
    OpeningBalance => "Owed before the period", "Saldo awal periode";
    StatementTotal => "Total", "Jumlah";
    ClosingBalance => "Owed at the end of the period", "Saldo akhir periode";
    StatementPeriod => "Period: {from} to {to}", "Periode: {from} sampai {to}";
    StatementBranch => "Branch: {branch}", "Cabang: {branch}";
    StatementCustomer => "Customer: {name}", "Nasabah: {name}";
    PrintStatement => "Print the statement", "Cetak rekening koran";
    StatementBeginning => "the beginning", "awal";
    Reason => "Reason", "Alasan";
    Reverse => "Reverse", "Batalkan";
    ReasonRequired => "Give a reason for the correction.", "Berikan alasan koreksi.";
    AlreadyReversed => "This row is already reversed.", "Baris ini sudah dibatalkan.";
    ReversalOfReversal => "A reversal cannot itself be reversed; record the payment again.", "Pembatalan tidak dapat dibatalkan; catat ulang pembayarannya.";
    PayoutNotReversible => "A payout by bank transfer or mobile money keeps its state and is not reversed here: on a disbursement complaint's case, use “Mark the payout failed”, then “Make the payout again”.",
        "Pencairan lewat transfer bank atau uang elektronik menyimpan statusnya dan tidak dibatalkan di sini: pada kasus pengaduan pencairan, gunakan “Tandai pencairan gagal”, lalu “Lakukan ulang pencairan”.";
    ChargeNotReversible => "A charge follows from the ticket's terms and cannot be reversed; reverse the payment that changed it.", "Beban mengikuti ketentuan tiket dan tidak dapat dibatalkan; batalkan pembayaran yang mengubahnya.";
    DisposalNotReversible => "A sale of forfeited items, a surplus paid out or expired stands with its record and cannot be reversed.",
        "Penjualan barang sitaan, uang kelebihan yang dibayarkan atau kedaluwarsa tercatat bersama datanya dan tidak dapat dibatalkan.";
    DrawerClosedForReversal => "This cash went through a drawer that is closed now; a closed drawer takes no more movements.",
        "Uang tunai ini melalui laci yang sudah ditutup; laci yang ditutup tidak menerima transaksi lagi.";
    NoOpenDrawer => "Open your cash drawer before taking or paying out cash.",
        "Buka laci kas Anda sebelum menerima atau membayarkan uang tunai.";
    FormExpiredReload => "This form is out of date. Reload the ticket and try again.", "Formulir ini sudah usang. Muat ulang tiket lalu coba lagi.";
    AmountInvalid => "Enter an amount, e.g. 1.500.000.", "Masukkan jumlah, mis. 1.500.000.";
    MethodInvalid => "Choose how the money was paid.", "Pilih cara pembayaran.";
    ConfirmHandOver => "Confirm that the item has been handed over.", "Konfirmasi bahwa barang sudah diserahkan.";
    TicketClosed => "This ticket is closed.", "Tiket ini sudah ditutup.";
    AmountTooMuch => "That is more than everything owed ({payoff}).", "Itu melebihi seluruh kewajiban ({payoff}).";
    AmountMustBe => "The amount must be exactly {amount}.", "Jumlahnya harus tepat {amount}.";
    Receipt => "Receipt", "Kuitansi";
    Receipts => "Receipts", "Kuitansi";
    ReceiptNumber => "Receipt no.", "No. kuitansi";
    ReceiptCopy => "Copy", "Salinan";
    ReceiptDateTime => "Date and time", "Tanggal dan jam";
    ReceiptKindPayment => "Payment", "Pembayaran";
    ReceiptKindExtension => "Extension", "Perpanjangan";
    ReceiptKindRedemption => "Redemption", "Penebusan";
    Cashier => "Cashier", "Kasir";
    ReceiptNoCashier => "none: applied from a bank or mobile-money statement", "tidak ada: dibukukan dari mutasi rekening bank atau uang elektronik";
    ReceiptFromStatement => "{name}, applied from a bank or mobile-money statement", "{name}, dibukukan dari mutasi rekening bank atau uang elektronik";
    AmountPaidOut => "Amount paid out", "Jumlah dicairkan";
    ReceiptTotal => "Total", "Total";
    ReceiptRedeemed => "Redeemed: everything is paid and the ticket is closed.", "Ditebus: seluruh kewajiban lunas dan tiket ditutup.";
    ReceiptReversed => "Reversed: this payment was corrected by a reversal. The receipt stays for the record.",
        "Dibatalkan: pembayaran ini dikoreksi dengan pembatalan. Kuitansi tetap disimpan sebagai catatan.";
    Print => "Print", "Cetak";
    BackToTicket => "Back to the ticket", "Kembali ke tiket";
    From => "From", "Dari";
    To => "To", "Sampai";
    Statement => "Statement", "Rekening koran";
    StatementOf => "Statement of {name}", "Rekening koran {name}";
    NewTicket => "New pawn ticket", "Tiket gadai baru";
    WriteTicket => "Write the ticket", "Buat tiket";
    Category => "Category", "Kategori";
    CategoryHint => "For example gold, phone, laptop, vehicle document.", "Misalnya emas, ponsel, laptop, BPKB.";
    ItemHint => "What it is: brand, model, weight and karat for gold.", "Barang apa: merek, model, berat dan karat untuk emas.";
    Marks => "Serial number or marks", "Nomor seri atau tanda";
    Appraised => "Appraised value", "Nilai taksiran";
    ChooseProduct => "Choose a product.", "Pilih produk.";
    AboveLtv => "The loan is above what this item allows ({max} at most).", "Pinjaman melebihi yang diizinkan untuk barang ini (paling banyak {max}).";
    ItemInvalid => "Describe the item and give its appraised value.", "Jelaskan barangnya dan berikan nilai taksirannya.";
    PermCorrections => "Corrections", "Koreksi";

    // Printed tickets, forfeited items and products.
    PawnTicket => "Pawn ticket", "Surat bukti gadai";
    TermsInPlainWords => "The terms in plain words", "Ketentuan dengan bahasa sederhana";
    TermsInterest => "Interest is {rate} of the loan for every {days} days or part of them: {amount} each time.",
        "Sewa modal {rate} dari pinjaman untuk setiap {days} hari atau bagiannya: {amount} setiap kali.";
    TermsInterestMonths => "Interest is {rate} of the loan for every {months} calendar month(s) or part of one, counted from the start date: {amount} each time.",
        "Sewa modal {rate} dari pinjaman untuk setiap {months} bulan kalender atau bagiannya, dihitung dari tanggal gadai: {amount} setiap kali.";
    TermsMaturity => "Redeem or extend by {date}. After that you have {grace} of grace before a late fee.",
        "Tebus atau perpanjang paling lambat {date}. Setelah itu ada masa tenggang {grace} sebelum denda.";
    TermsForfeit => "If nothing is paid within {days} after the due date, the item is sold at a public auction.",
        "Jika tidak ada pembayaran dalam {days} setelah jatuh tempo, barang jaminan dijual melalui lelang.";
    TermsSurplus => "If the auction brings more than you owe (the loan, interest and fees), the surplus is paid to you when you claim it within {days} of the auction.",
        "Apabila hasil lelang melebihi seluruh kewajiban Anda (uang pinjaman, sewa modal dan biaya), selisihnya (uang kelebihan) dibayarkan kepada Anda jika diambil dalam waktu {days} sejak tanggal lelang.";
    TermsFees => "Ticket fee: {ticket}. Late fee: {late}. Lost ticket: {lost}.", "Biaya administrasi: {ticket}. Denda: {late}. Surat hilang: {lost}.";
    NoFee => "none", "tidak ada";
    SignatureCustomer => "Customer's signature", "Tanda tangan nasabah";
    SignatureStaff => "Clerk's signature", "Tanda tangan petugas";
    BranchPhone => "Phone {phone}", "Telp. {phone}";
    BranchLicence => "Licence no. {licence}", "No. izin usaha {licence}";
    KaratValue => "{n} karat", "{n} karat";
    Weight => "Weight", "Berat";
    PrintOnA5 => "Print on an A5 sheet", "Cetak di kertas A5";
    PrintOnRoll => "Print on an 80 mm roll", "Cetak di kertas gulung 80 mm";
    Forfeited => "Forfeited items", "Barang lelang/sitaan";
    NothingForfeited => "No forfeited items.", "Tidak ada barang sitaan.";
    // Disposals of forfeited items (issue 13, point 6).
    Disposals => "Disposals", "Penjualan barang sitaan";
    DisposalsExplained => "Forfeited items go to sale stock, then are sold at auction or in the shop. Net proceeds (price less costs) above what the ticket owed are owed to the customer; what they fall short of it is written off.",
        "Barang sitaan masuk stok penjualan, lalu dijual melalui lelang atau di toko. Hasil bersih (harga dikurangi biaya) yang melebihi kewajiban tiket menjadi milik nasabah; kekurangannya dihapusbukukan.";
    DisposalsAwaiting => "Forfeited, not yet in sale stock", "Disita, belum masuk stok penjualan";
    DisposalsInStock => "In sale stock", "Dalam stok penjualan";
    DisposalsSold => "Sold", "Terjual";
    DisposalNothing => "None.", "Tidak ada.";
    DisposalMoveToStock => "Move to sale stock", "Pindahkan ke stok penjualan";
    DisposalMovedToStock => "Moved to sale stock.", "Dipindahkan ke stok penjualan.";
    DisposalRecordSale => "Record the sale", "Catat penjualan";
    DisposalSaleRecorded => "Sale recorded.", "Penjualan dicatat.";
    DisposalChannel => "Sold by", "Dijual melalui";
    DisposalAuction => "Auction", "Lelang";
    DisposalShop => "Shop sale", "Penjualan toko";
    DisposalPrice => "Price", "Harga jual";
    DisposalCosts => "Costs", "Biaya penjualan";
    DisposalReceivedBy => "Proceeds received by", "Hasil diterima melalui";
    DisposalBuyer => "Buyer reference (optional)", "Referensi pembeli (opsional)";
    DisposalOwed => "Ticket owed", "Kewajiban tiket";
    DisposalNet => "Net proceeds", "Hasil bersih";
    DisposalSurplus => "Surplus", "Uang kelebihan";
    DisposalShortfall => "Written off", "Dihapusbukukan";
    DisposalCount => "Items sold", "Barang terjual";
    DisposalSurplusStillOwed => "Surplus still owed", "Uang kelebihan masih terutang";
    DisposalClaimUntil => "Claim by", "Diambil paling lambat";
    SurplusStateOwed => "owed", "terutang";
    SurplusStatePaid => "paid out", "sudah dibayarkan";
    SurplusStateExpired => "expired", "kedaluwarsa";
    DisposalNotForfeited => "This ticket is not forfeited.", "Tiket ini tidak berstatus sitaan.";
    DisposalAlreadyInStock => "These items are already in sale stock.", "Barang ini sudah ada di stok penjualan.";
    DisposalNotInStock => "Move the items to sale stock before recording their sale.", "Pindahkan barang ke stok penjualan sebelum mencatat penjualannya.";
    DisposalAlreadySold => "These items are already sold.", "Barang ini sudah terjual.";
    DisposalPriceInvalid => "Enter a price above zero.", "Masukkan harga di atas nol.";
    DisposalCostsInvalid => "Costs must be zero or more, and not above the price.", "Biaya harus nol atau lebih, dan tidak melebihi harga.";
    DisposalChannelInvalid => "Choose auction or shop sale.", "Pilih lelang atau penjualan toko.";
    SurplusNone => "No surplus is owed on this ticket.", "Tidak ada uang kelebihan pada tiket ini.";
    SurplusSettled => "This surplus has already been paid out or has expired.", "Uang kelebihan ini sudah dibayarkan atau sudah kedaluwarsa.";
    SurplusClaimOver => "The claim period ended on {date}: the surplus can no longer be paid out.", "Masa pengambilan berakhir pada {date}: uang kelebihan tidak dapat dibayarkan lagi.";
    SurplusOwedTitle => "Surplus owed to the customer", "Uang kelebihan milik nasabah";
    SurplusOwedLine => "{amount} from the sale of ticket {ticket}, to be claimed by {date}.", "{amount} dari penjualan tiket {ticket}, diambil paling lambat {date}.";
    SurplusPayOut => "Pay out", "Bayarkan";
    SurplusPaidOut => "Surplus paid out.", "Uang kelebihan dibayarkan.";
    PortalSurplusOwed => "The sale of the items of your ticket {ticket} brought {amount} more than you owed. Claim it at the branch by {date}.",
        "Penjualan barang tiket Anda {ticket} menghasilkan {amount} lebih dari kewajiban Anda. Ambil di cabang paling lambat {date}.";
    SurplusOwedSms => "{branch}: the sale of the items of ticket {ticket} brought {amount} more than you owed. Claim it at the branch by {date}.",
        "{branch}: penjualan barang tiket {ticket} menghasilkan {amount} lebih dari kewajiban Anda. Ambil di cabang paling lambat {date}.";
    Products => "Loan products", "Produk pinjaman";
    ProductsExplained => "Changes apply to new tickets only: every ticket keeps the terms it was written under.",
        "Perubahan hanya berlaku untuk tiket baru: setiap tiket tetap memakai ketentuan saat dibuat.";
    AddProduct => "Add product", "Tambah produk";
    ProductName => "Name", "Nama";
    RatePerPeriod => "Interest per period (%)", "Sewa modal per periode (%)";
    PeriodDays => "Period length", "Panjang periode";
    PeriodUnit => "Period counted in", "Periode dihitung dalam";
    PeriodUnitDays => "days (days 1 to N after the start are period 1)", "hari (hari ke-1 sampai N setelah tanggal gadai = periode 1)";
    PeriodUnitMonths => "calendar months (to the same day of the next month)", "bulan kalender (sampai tanggal yang sama bulan berikutnya)";
    PeriodOfDays => "{n} days", "{n} hari";
    PeriodOfOneDay => "{n} day", "{n} hari";
    // The months' short names in dates ("1 Des 2026").
    MonthJan => "Jan", "Jan";
    MonthFeb => "Feb", "Feb";
    MonthMar => "Mar", "Mar";
    MonthApr => "Apr", "Apr";
    MonthMay => "May", "Mei";
    MonthJun => "Jun", "Jun";
    MonthJul => "Jul", "Jul";
    MonthAug => "Aug", "Agu";
    MonthSep => "Sep", "Sep";
    MonthOct => "Oct", "Okt";
    MonthNov => "Nov", "Nov";
    MonthDec => "Dec", "Des";
    PeriodOfMonths => "{n} month(s)", "{n} bulan";
    TermPeriods => "Term (periods)", "Jangka waktu (periode)";
    MinInterestDays => "Minimum interest (days)", "Sewa modal minimum (hari)";
    TicketFee => "Ticket fee", "Biaya administrasi";
    LateFee => "Late fee", "Denda";
    LostTicketFee => "Lost ticket fee", "Biaya surat hilang";
    FeeNone => "No fee", "Tanpa biaya";
    FeeFixed => "Fixed amount", "Jumlah tetap";
    FeePercentage => "Percentage of the loan", "Persentase dari pinjaman";
    FeeValue => "Amount or percentage", "Jumlah atau persentase";
    FeeValueHint => "An amount such as {amount}, or a percentage such as {percent}.", "Jumlah seperti {amount}, atau persentase seperti {percent}.";
    RoundingHalfUp => "To the nearest (half up)", "Ke terdekat (setengah ke atas)";
    RoundingUp => "Always up", "Selalu ke atas";
    RoundingDown => "Always down", "Selalu ke bawah";
    GraceDays => "Grace days", "Hari tenggang";
    NoticeDays => "Notice days", "Hari pemberitahuan";
    ForfeitDays => "Pull days after notice", "Hari sebelum barang ditarik";
    MaxLtv => "Maximum loan-to-value (%)", "Maksimum nilai pinjaman (%)";
    RoundingRule => "Rounding", "Pembulatan";
    RoundingStep => "Round amounts due to a multiple of", "Bulatkan tagihan ke kelipatan";
    RoundingStepHint => "Each period's interest and each percentage fee is rounded to it by the rounding rule, for example {example}. Empty: to the smallest unit.",
        "Sewa modal tiap periode dan setiap biaya persentase dibulatkan ke kelipatan ini menurut aturan pembulatan, contoh: {example}. Kosong: ke satuan terkecil.";
    RoundingStepInvalid => "Enter an amount from {min} to {max}.", "Masukkan jumlah dari {min} sampai {max}.";
    KindPawn => "Pawn (one maturity, renewable)", "Gadai (satu jatuh tempo, bisa diperpanjang)";
    KindInstallment => "Installments (equal payments)", "Angsuran (pembayaran sama)";
    ProductInvalid => "Check the product: every number must be filled in, and each fee chosen from the list with its amount or percentage.",
        "Periksa produk: setiap angka harus diisi, dan setiap biaya dipilih dari daftar beserta jumlah atau persentasenya.";
    ProductFieldInvalid => "Write this one like the example.", "Tulis seperti contohnya.";
    ForExample => "For example {example}.", "Contoh: {example}.";
    PrintTicket => "Print the ticket", "Cetak surat gadai";
    InstallmentPaid => "Paid", "Lunas";
    EditProduct => "Edit", "Ubah";
    StorageFee => "Storage fee per period", "Biaya penyimpanan per periode";
    ItemNumber => "Item {n}", "Barang {n}";
    WeightGrams => "Weight (grams)", "Berat (gram)";
    Karat => "Karat", "Karat";
    GoldOnly => "For gold: weight and karat (1 to 24).", "Untuk emas: berat dan karat (1 sampai 24).";
    Calculate => "Calculate", "Hitung";
    ItemNumbersInvalid => "Check the item's numbers: a weight in grams such as 5.00, a karat from 1 to 24, an amount such as 1.500.000.",
        "Periksa angka barang: berat dalam gram seperti 5,00, karat 1 sampai 24, jumlah seperti 1.500.000.";
    ComputedAppraisal => "At the reference price: appraised {appraisal}, loan {max} at most.",
        "Dengan harga acuan: taksiran {appraisal}, pinjaman paling banyak {max}.";
    MaxLoanTotal => "Loan for these items: {max} at most.", "Pinjaman untuk barang ini: paling banyak {max}.";
    OverrideReason => "Reason for another appraised value", "Alasan nilai taksiran lain";
    OverrideReasonHint => "Only when the appraised value is not the computed one.",
        "Hanya jika nilai taksiran berbeda dari hasil hitungan.";
    OverrideReasonNeeded => "The computed appraisal is {computed}: give the reason for another value.",
        "Taksiran hasil hitungan {computed}: berikan alasan untuk nilai lain.";
    GoldPriceOn => "Gold reference price: {price} a gram of 24K, from {date}.",
        "Harga acuan emas: {price} per gram 24K, berlaku sejak {date}.";
    GoldPriceStale => "The gold price is more than {days} old: ask a manager to set today's.",
        "Harga emas sudah lebih dari {days}: minta manajer memasukkan harga hari ini.";
    GoldPriceNone => "No gold reference price is set: appraise gold by hand, or ask a manager to set the price.",
        "Belum ada harga acuan emas: taksir emas secara manual, atau minta manajer memasukkan harganya.";
    GoldPrice => "Gold price", "Harga emas";
    GoldPriceExplained => "The price of a gram of 24-karat gold from a date on. Lower karats are priced pro rata (22K is 22/24 of it) unless given their own price. Every price set is kept.",
        "Harga satu gram emas 24 karat sejak suatu tanggal. Karat yang lebih rendah dihitung sebanding (22K adalah 22/24-nya) kecuali diberi harga sendiri. Setiap harga yang ditetapkan disimpan.";
    PricePerGram24k => "Price of a gram of 24K", "Harga per gram 24K";
    EffectiveFrom => "From (date)", "Berlaku mulai (tanggal)";
    KaratPrices => "Own prices of some karats (optional)", "Harga sendiri untuk karat tertentu (opsional)";
    KaratPricesHint => "Karat and price a gram, separated by semicolons, e.g. 22: 930000; 18: 740000",
        "Karat dan harga per gram, dipisah titik koma, mis. 22: 930000; 18: 740000";
    SetPrice => "Set the price", "Tetapkan harga";
    GoldPriceSaved => "Gold price set.", "Harga emas ditetapkan.";
    PriceHistory => "Price history", "Riwayat harga";
    SetBy => "Set by", "Ditetapkan oleh";
    NoGoldPrices => "No price set yet.", "Belum ada harga yang ditetapkan.";
    PriceInvalid => "Give a price above zero.", "Masukkan harga di atas nol.";
    EffectiveDateInvalid => "Give the date as YYYY-MM-DD.", "Tulis tanggal dengan format YYYY-MM-DD.";
    KaratPricesInvalid => "Write each as karat: price, with karats 1 to 23 and each price above zero and not above the 24K price.",
        "Tulis masing-masing sebagai karat: harga, dengan karat 1 sampai 23 dan setiap harga di atas nol dan tidak melebihi harga 24K.";
    PriceNoteInvalid => "At most 200 characters, on one line.", "Paling banyak 200 karakter, dalam satu baris.";
    AddCustomer => "Add customer", "Tambah nasabah";
    CustomerExists => "A customer with this ID number or phone number is already registered:", "Nasabah dengan nomor KTP atau telepon ini sudah terdaftar:";
    NewCustomerPhoneHint => "The customer's own mobile number: a code sent to it verifies it.", "Nomor ponsel nasabah sendiri: kode yang dikirim ke nomor ini memverifikasinya.";
    TicketHistory => "History", "Riwayat tiket";
    ExtensionEvent => "Extended: due date {from} → {to}", "Diperpanjang: jatuh tempo {from} → {to}";
    ExtensionReversedEvent => "Extension reversed: due date {from} → {to}", "Perpanjangan dibatalkan: jatuh tempo {from} → {to}";
    DoNotText => "Do not text", "Jangan kirim SMS";
    MarkDoNotText => "Stop reminders by SMS", "Hentikan pengingat SMS";
    AllowTexts => "Send reminders by SMS again", "Kirim pengingat SMS lagi";
    // Portal loan pages and payment codes.
    TabCurrentLoans => "Current", "Berjalan";
    TabClosedLoans => "Closed", "Selesai";
    LoanTabs => "Which loans", "Pinjaman yang ditampilkan";
    NoClosedLoans => "You have no closed loans.", "Anda tidak memiliki pinjaman yang sudah selesai.";
    NoCurrentLoans => "You have no current loans. Closed ones are on the other tab.",
        "Anda tidak memiliki pinjaman yang sedang berjalan. Pinjaman yang selesai ada di tab lainnya.";
    BadgeDue => "Due", "Jatuh tempo";
    BadgeOverdue => "Overdue", "Terlambat";
    AmountDueToday => "Amount due today", "Tagihan hari ini";
    LoanDetails => "Details", "Rincian";
    LoanBalance => "Loan balance", "Sisa pinjaman";
    AppliedAmount => "Applied amount", "Jumlah pinjaman awal";
    InterestAmount => "Interest amount", "Jumlah bunga (sewa modal)";
    EndDate => "End date", "Tanggal berakhir";
    PaymentsHeading => "Payments", "Pembayaran";
    NoPayments => "No payments yet.", "Belum ada pembayaran.";
    Date => "Date", "Tanggal";
    BackToMyLoans => "Back to my loans", "Kembali ke pinjaman saya";
    BackToLoan => "Back to the loan", "Kembali ke pinjaman";
    ExtendLoan => "Extend this loan", "Perpanjang pinjaman ini";
    ExtendIntro => "To extend the loan, pay the interest and fees owed today. The loan amount stays the same.",
        "Untuk memperpanjang pinjaman, bayar bunga dan biaya yang terutang hari ini. Uang pinjaman tetap sama.";
    AmountToPay => "Amount to pay", "Jumlah yang harus dibayar";
    CurrentDueDate => "Current due date", "Jatuh tempo sekarang";
    NewDueDate => "New due date", "Jatuh tempo baru";
    ExtendWhenPaid => "Nothing changes yet: the loan is extended when the branch confirms your payment, and we send you an SMS.",
        "Belum ada yang berubah: pinjaman diperpanjang setelah cabang mengonfirmasi pembayaran Anda, dan kami mengirim SMS.";
    GetPaymentCode => "Get a payment code", "Minta kode pembayaran";
    CannotExtendNotOpen => "Only a running loan can be extended.", "Hanya pinjaman yang sedang berjalan yang dapat diperpanjang.";
    CannotExtendHere => "This loan cannot be extended here: it is paid by its schedule. Please ask at the counter.",
        "Pinjaman ini tidak dapat diperpanjang di sini: dibayar sesuai jadwal angsuran. Silakan tanyakan di loket.";
    NothingToExtend => "There is nothing to pay for an extension today: the interest and fees are paid up.",
        "Tidak ada yang perlu dibayar untuk perpanjangan hari ini: bunga dan biaya sudah lunas.";
    PaymentCode => "Payment code", "Kode pembayaran";
    PaymentCodeFor => "Pay {amount} for ticket {ticket} with this code.", "Bayar {amount} untuk tiket {ticket} dengan kode ini.";
    ValidUntil => "Valid until", "Berlaku sampai";
    CheckTicketIsYours => "Before you pay, check that ticket {ticket} is yours. Never pay with a code that someone else gives you.",
        "Sebelum membayar, pastikan tiket {ticket} milik Anda. Jangan pernah membayar dengan kode yang diberikan orang lain.";
    HowToPay => "How to pay", "Cara membayar";
    PayAtCounter => "At the counter", "Di loket";
    PayAtCounterHow => "Show this code at {branch} and pay {amount}.", "Tunjukkan kode ini di {branch} dan bayar {amount}.";
    PayByBankHow => "Transfer exactly {amount} to {account}. Write the code {code} in the transfer's description or reference.",
        "Transfer tepat {amount} ke {account}. Tulis kode {code} di berita atau referensi transfer.";
    PayByMobileHow => "Send exactly {amount} to {number}. Write the code {code} in the message or reference.",
        "Kirim tepat {amount} ke {number}. Tulis kode {code} di pesan atau referensi.";
    WaitingForPayment => "Waiting for payment: code {code}, valid until {until}.",
        "Menunggu pembayaran: kode {code}, berlaku sampai {until}.";
    SeeHowToPay => "See how to pay", "Lihat cara membayar";
    CodePaidOn => "Paid on {when}. Your loan is extended.", "Dibayar pada {when}. Pinjaman Anda sudah diperpanjang.";
    CodeExpiredGetNew => "This payment code has expired. Get a new one to extend the loan.",
        "Kode pembayaran ini sudah kedaluwarsa. Minta kode baru untuk memperpanjang pinjaman.";
    CodeCancelled => "This payment code was cancelled.", "Kode pembayaran ini dibatalkan.";
    PaidWithCode => "Paid {amount} with code {code} on {when}.", "Dibayar {amount} dengan kode {code} pada {when}.";
    PaymentConfirmedSms => "{branch}: we received {amount} for ticket {ticket}. Your new due date is {date}. Thank you.",
        "{branch}: pembayaran {amount} untuk tiket {ticket} sudah kami terima. Jatuh tempo baru: {date}. Terima kasih.";
    NavPayments => "Payments", "Pembayaran";
    CounterPaymentsTitle => "Payments at the counter", "Pembayaran di loket";
    CounterSearch => "Payment code, ticket number, customer name or phone", "Kode pembayaran, nomor tiket, nama atau telepon nasabah";
    CounterNothingFound => "No open ticket or payment code matches.", "Tidak ada tiket terbuka atau kode pembayaran yang cocok.";
    Ticket => "Ticket", "Tiket";
    CodeStatusLive => "Waiting for payment", "Menunggu pembayaran";
    CodeStatusPaid => "Paid", "Dibayar";
    CodeStatusExpired => "Expired", "Kedaluwarsa";
    CodeStatusCancelled => "Cancelled", "Dibatalkan";
    ConfirmPayment => "Confirm payment", "Konfirmasi pembayaran";
    ShowReceipt => "Show the receipt", "Lihat kuitansi";
    CodeNotFound => "There is no payment code {code}. Check it with the customer.", "Tidak ada kode pembayaran {code}. Periksa bersama nasabah.";
    CodeExpiredStaff => "This payment code has expired. Ask the customer to get a new one in the portal.",
        "Kode pembayaran ini sudah kedaluwarsa. Minta nasabah membuat kode baru di portal.";
    CodeCancelledStaff => "This payment code was cancelled. Ask the customer to get a new one in the portal.",
        "Kode pembayaran ini dibatalkan. Minta nasabah membuat kode baru di portal.";
    CodeAmountChanged => "The amount owed on this ticket is now {owed}, not the code's {code_amount}: a new period has started. Ask the customer to get a new payment code.",
        "Jumlah terutang tiket ini sekarang {owed}, bukan {code_amount} sesuai kode: periode baru sudah dimulai. Minta nasabah membuat kode pembayaran baru.";
    CodeConfirmed => "Payment confirmed. The ticket is extended.", "Pembayaran dikonfirmasi. Tiket sudah diperpanjang.";
    // Bank and mobile-money statements.
    NavStatements => "Statements", "Mutasi bank";
    StatementImportTitle => "Import a bank or mobile-money statement", "Impor mutasi bank atau uang elektronik";
    StatementIntro => "Paste the statement as CSV. The first line names the columns: date (YYYY-MM-DD), reference, amount, description and, if needed, method (bank_transfer or mobile_money). A line whose description holds a payment code asking for exactly its amount is applied to the ticket; anything else waits for review and nothing is applied. Lines imported before are skipped.",
        "Tempel mutasi sebagai CSV. Baris pertama berisi nama kolom: date (YYYY-MM-DD), reference, amount, description dan, bila perlu, method (bank_transfer atau mobile_money). Baris yang keterangannya memuat kode pembayaran dengan jumlah yang tepat sama dibukukan ke tiketnya; selain itu menunggu pemeriksaan dan tidak ada yang dibukukan. Baris yang sudah pernah diimpor dilewati.";
    StatementLimit => "At most {size} can be sent at once. Split a longer statement, or import it with the command pawnbranch import payments on the branch server.",
        "Paling banyak {size} dapat dikirim sekaligus. Bagi mutasi yang lebih panjang, atau impor dengan perintah pawnbranch import payments di server cabang.";
    StatementCsv => "Statement (CSV)", "Mutasi (CSV)";
    StatementColumnsHint => "First line: date,reference,amount,description,method", "Baris pertama: date,reference,amount,description,method";
    StatementImport => "Import", "Impor";
    StatementEmpty => "Paste the statement first.", "Tempel mutasinya terlebih dahulu.";
    StatementInvalid => "Nothing was imported. Correct these lines and try again.", "Tidak ada yang diimpor. Perbaiki baris berikut lalu coba lagi.";
    StatementUnreadable => "The statement could not be read ({reason}).", "Mutasi tidak dapat dibaca ({reason}).";
    StatementReportTitle => "Statement imported", "Mutasi diimpor";
    StatementMatched => "Matched and applied", "Cocok dan dibukukan";
    StatementReview => "To review", "Perlu diperiksa";
    StatementUnmatched => "Unmatched", "Tidak cocok";
    StatementDuplicates => "Already imported (skipped)", "Sudah pernah diimpor (dilewati)";
    StatementAppliedTo => "Applied to ticket {ticket} (payment code {code}).", "Dibukukan ke tiket {ticket} (kode pembayaran {code}).";
    StatementEarlierLine => "Also on line {line} of this statement.", "Juga ada di baris {line} mutasi ini.";
    StatementImportedBefore => "Imported before.", "Sudah diimpor sebelumnya.";
    StatementNothingApplied => "Nothing was applied for the lines to review and the unmatched lines: deal with them on the review page.",
        "Baris yang perlu diperiksa dan yang tidak cocok tidak dibukukan: tangani di halaman pemeriksaan.";
    StatementReviewLink => "Statement lines to review: {n}", "Baris mutasi yang perlu diperiksa: {n}";
    StatementImportAnother => "Import another statement", "Impor mutasi lain";
    StatementReviewTitle => "Statement lines to review", "Baris mutasi yang perlu diperiksa";
    StatementReviewIntro => "These lines were not applied. Check each one (the ticket, the customer, the bank), take the payment at the counter or arrange a refund, then mark the line resolved. Marking a line resolved does not apply any money.",
        "Baris-baris ini tidak dibukukan. Periksa satu per satu (tiket, nasabah, bank), terima pembayarannya di loket atau atur pengembalian dana, lalu tandai barisnya selesai. Menandai selesai tidak membukukan uang apa pun.";
    StatementReviewEmpty => "No statement lines are waiting for review.", "Tidak ada baris mutasi yang menunggu pemeriksaan.";
    StatementLineMatched => "This line was matched and applied; there is nothing to resolve.", "Baris ini sudah cocok dan dibukukan; tidak ada yang perlu diselesaikan.";
    StatementLineAlreadyResolved => "This line was already marked resolved.", "Baris ini sudah ditandai selesai.";
    StatementLineResolved => "Line {reference} marked resolved.", "Baris {reference} ditandai selesai.";
    MarkResolved => "Mark resolved", "Tandai selesai";
    Note => "Note", "Catatan";
    Line => "Line", "Baris";
    Problem => "Problem", "Masalah";
    Details => "Details", "Rincian";
    Description => "Description", "Keterangan";
    StatementUnknownColumn => "unknown column {name} in the header row; the columns are {columns}", "kolom {name} tidak dikenal di baris judul; kolomnya adalah {columns}";
    StatementColumnTwice => "column {name} appears twice in the header row", "kolom {name} muncul dua kali di baris judul";
    StatementMissingColumn => "the header row has no {name} column (the first line must name the columns, e.g. {columns})",
        "baris judul tidak memiliki kolom {name} (baris pertama harus berisi nama kolom, mis. {columns})";
    StatementFieldCount => "the line has {len} fields but the header row has {expected}", "baris ini memiliki {len} isian tetapi baris judul memiliki {expected}";
    StatementNotUtf8 => "the line is not UTF-8 text (save the file as \"CSV UTF-8\")", "baris ini bukan teks UTF-8 (simpan berkas sebagai \"CSV UTF-8\")";
    StatementLongNumber => "{name} {value} has {digits} digits, more than a spreadsheet keeps of a number (15): format the column as text and type the number again",
        "{name} {value} memiliki {digits} angka, lebih dari yang disimpan lembar kerja untuk sebuah bilangan (15): format kolomnya sebagai teks lalu ketik ulang bilangannya";
    StatementCellError => "{name} holds the spreadsheet's error {value}", "{name} berisi galat lembar kerja {value}";
    StatementMissingValue => "{name} is missing", "{name} tidak diisi";
    StatementTooLong => "{name} is longer than {max} characters", "{name} lebih dari {max} karakter";
    StatementControlCharacters => "{name} holds control characters", "{name} memuat karakter kontrol";
    StatementBadDate => "date {value} is not a date written YYYY-MM-DD", "date {value} bukan tanggal dengan format YYYY-MM-DD";
    StatementBadDateOr => "date {value} is not a date written YYYY-MM-DD or {other}", "date {value} bukan tanggal dengan format YYYY-MM-DD atau {other}";
    StatementAmbiguousDate => "date {value} may be read day first or month first: write it YYYY-MM-DD", "date {value} dapat dibaca hari dulu atau bulan dulu: tulis sebagai YYYY-MM-DD";
    StatementFutureDate => "date {value} is after today", "date {value} setelah hari ini";
    StatementBadAmount => "amount {value} is not an amount above zero", "amount {value} bukan jumlah di atas nol";
    StatementBadMethod => "method {value} is not bank_transfer or mobile_money", "method {value} bukan bank_transfer atau mobile_money";
    ReasonNoCode => "No payment code of this branch in the description.", "Tidak ada kode pembayaran cabang ini di keterangan.";
    ReasonSeveralCodes => "The description holds more than one payment code ({code}, ...).", "Keterangan memuat lebih dari satu kode pembayaran ({code}, ...).";
    ReasonCancelled => "Payment code {code} was cancelled.", "Kode pembayaran {code} sudah dibatalkan.";
    ReasonAlreadyPaid => "Payment code {code} was already paid.", "Kode pembayaran {code} sudah dibayar.";
    ReasonTicketClosed => "The ticket of payment code {code} is closed.", "Tiket dari kode pembayaran {code} sudah ditutup.";
    ReasonExpired => "Payment code {code} had expired before this payment.", "Kode pembayaran {code} sudah kedaluwarsa sebelum pembayaran ini.";
    ReasonUnderpaid => "Less than payment code {code} asks for: paid {paid}, the code is for {expected}.",
        "Kurang dari yang diminta kode pembayaran {code}: dibayar {paid}, kodenya untuk {expected}.";
    ReasonOverpaid => "More than payment code {code} asks for: paid {paid}, the code is for {expected}.",
        "Lebih dari yang diminta kode pembayaran {code}: dibayar {paid}, kodenya untuk {expected}.";
    ReasonOwedChanged => "The ticket owes a different amount now than when payment code {code} was made.",
        "Kewajiban tiket sekarang berbeda dari saat kode pembayaran {code} dibuat.";
    ReasonRefused => "The ticket could not take this payment for payment code {code}; check the ticket.",
        "Tiket tidak dapat menerima pembayaran ini untuk kode pembayaran {code}; periksa tiketnya.";

    // Staff sign-in.
    StaffSignIn => "Staff sign-in", "Masuk staf";
    Username => "Username", "Nama pengguna";
    Password => "Password", "Kata sandi";
    SignIn => "Sign in", "Masuk";
    SignOut => "Sign out", "Keluar";
    SignInFailed => "Wrong username or password.", "Nama pengguna atau kata sandi salah.";
    SignInLocked => "This account is locked after too many failed sign-ins. Try again in {minutes} minutes or ask a manager.",
        "Akun ini terkunci karena terlalu banyak gagal masuk. Coba lagi dalam {minutes} menit atau tanyakan manajer.";
    SignInDisabled => "This account is disabled. Ask a manager.", "Akun ini dinonaktifkan. Tanyakan manajer.";
    SignedOut => "You have signed out.", "Anda telah keluar.";
    SessionExpired => "Your session has ended. Please sign in again.", "Sesi Anda telah berakhir. Silakan masuk kembali.";

    // Staff navigation and dashboard.
    NavDashboard => "Dashboard", "Dasbor";
    NavCallCentre => "Call Centre", "Pusat Panggilan";
    NavStaff => "Staff", "Staf";
    NavAudit => "Audit log", "Log audit";
    NavAccount => "My account", "Akun saya";
    DashboardTitle => "Branch dashboard", "Dasbor cabang";
    DashboardGreeting => "Signed in as {name} ({role}).", "Masuk sebagai {name} ({role}).";
    CardCustomers => "Customers", "Nasabah";
    CardLoans => "Pawn loans", "Pinjaman gadai";
    CardActiveLoans => "Active", "Aktif";
    CardDueLoans => "Due or overdue", "Jatuh tempo atau terlambat";
    CardOutstanding => "Principal outstanding", "Pokok terutang";
    CardBackups => "Backups", "Cadangan";
    TodayTitle => "Today", "Hari ini";
    TodayDueThisWeek => "Due this week", "Jatuh tempo minggu ini";
    TodayOverdueWeek => "Overdue 1 to 7 days", "Terlambat 1 sampai 7 hari";
    TodayOverdueMonth => "Overdue 8 to 30 days", "Terlambat 8 sampai 30 hari";
    TodayOverdueLonger => "Overdue 31 days or more", "Terlambat 31 hari atau lebih";
    TodayForfeitsComing => "Forfeit notices sent", "Pemberitahuan lelang terkirim";
    TodayUnconfirmed => "Unconfirmed payment codes", "Kode pembayaran belum dikonfirmasi";
    TodayLocked => "Locked customers", "Nasabah terkunci";
    NoTicketsInList => "No tickets in this list today.", "Tidak ada tiket dalam daftar ini hari ini.";
    UnknownList => "There is no such list of tickets.", "Daftar tiket itu tidak ada.";
    NoLockedCustomers => "No customer is locked.", "Tidak ada nasabah yang terkunci.";
    TodayDuplicates => "Possible duplicates", "Kemungkinan duplikat";
    TodayComplaintsOpen => "Open complaints", "Pengaduan terbuka";
    TodayComplaintsBreached => "Complaints past their deadline", "Pengaduan lewat tenggat";
    TodayOverdueChart => "Overdue tickets by age", "Tiket terlambat menurut umur";
    TodayAgeWeek => "1 to 7 days", "1 sampai 7 hari";
    TodayAgeMonth => "8 to 30 days", "8 sampai 30 hari";
    TodayAgeLonger => "31 days or more", "31 hari atau lebih";
    TodayOutstandingChart => "Principal outstanding, last 30 days", "Pokok terutang, 30 hari terakhir";
    TodayCollectionsChart => "Collections, last 30 days", "Pembayaran diterima, 30 hari terakhir";
    TodayWeeksChart => "Tickets per week", "Tiket per minggu";
    TodayWeekWritten => "New loans", "Gadai baru";
    TodayWeekRedeemed => "Redeemed", "Ditebus";
    TodayWeekForfeited => "Forfeited", "Disita";
    TodayChartHighest => "Highest: {value}", "Tertinggi: {value}";
    TodayChartPoint => "{day}: {value}", "{day}: {value}";
    TodayPromises => "Promises due today", "Janji jatuh tempo hari ini";
    TodayStatementsDiffer => "Methods not matching yesterday's statements", "Metode yang tidak cocok dengan mutasi kemarin";
    TodayModem => "Modem", "Modem";
    TodayUploader => "Upload to head office", "Unggah ke kantor pusat";
    TodayUploaderWorking => "Working", "Berjalan";
    CardLastBackup => "Last backup: {when}", "Cadangan terakhir: {when}";
    CardNoBackup => "No backup has been made yet.", "Belum ada cadangan yang dibuat.";
    BackupFile => "File", "Berkas";
    BackupSize => "Size", "Ukuran";

    // Roles and permissions.
    RoleClerk => "Clerk", "Kasir";
    RoleCallAgent => "Call agent", "Agen call centre";
    RoleManager => "Manager", "Manajer";
    RoleAdmin => "Administrator", "Administrator";
    PermCustomerManagement => "Customer Management", "Manajemen Nasabah";
    PermLoanOrigination => "Loan Origination", "Pembuatan Pinjaman";
    PermPayments => "Payments", "Pembayaran";
    PermComplaints => "Complaints", "Keluhan";
    PermComplaintEscalations => "Complaint escalations (CS manager)", "Eskalasi keluhan (manajer CS)";
    PermCallCentre => "Call Centre", "Call Centre";
    PermReports => "Reports", "Laporan";
    PermStaffAdmin => "Staff Admin", "Admin Staf";
    PermAuditLog => "Audit Log", "Log Audit";

    // Staff administration.
    StaffListTitle => "Staff accounts", "Akun staf";
    StaffAdd => "Add staff member", "Tambah staf";
    FullName => "Full name", "Nama lengkap";
    Role => "Role", "Peran";
    Status => "Status", "Status";
    StatusActive => "Active", "Aktif";
    StatusDisabled => "Disabled", "Nonaktif";
    StatusLocked => "Locked until {when}", "Terkunci sampai {when}";
    LastSignIn => "Last sign-in", "Terakhir masuk";
    Never => "Never", "Belum pernah";
    Actions => "Actions", "Tindakan";
    Disable => "Disable", "Nonaktifkan";
    Enable => "Enable", "Aktifkan";
    ChangeRole => "Change role", "Ubah peran";
    ResetPassword => "Reset password", "Atur ulang kata sandi";
    StaffSavePhone => "Save phone", "Simpan telepon";
    StaffPhoneHint => "Shown to the call centre where you are a customer's RO. Leave empty to remove it.", "Ditampilkan ke call centre bila Anda RO seorang nasabah. Kosongkan untuk menghapusnya.";
    StaffPhoneSaved => "Phone saved.", "Telepon disimpan.";
    NewPassword => "New password", "Kata sandi baru";
    RepeatPassword => "Repeat the password", "Ulangi kata sandi";
    CurrentPassword => "Current password", "Kata sandi saat ini";
    ChangePassword => "Change password", "Ubah kata sandi";
    PasswordRules => "At least 10 characters.", "Minimal 10 karakter.";
    PasswordTooShort => "The password must have at least 10 characters.", "Kata sandi harus minimal 10 karakter.";
    PasswordMismatch => "The two passwords are not the same.", "Kedua kata sandi tidak sama.";
    PasswordWrong => "The current password is wrong.", "Kata sandi saat ini salah.";
    UsernameRules => "3 to 32 letters, digits, dots, dashes or underscores.", "3 sampai 32 huruf, angka, titik, tanda hubung, atau garis bawah.";
    UsernameInvalid => "Use 3 to 32 letters, digits, dots, dashes or underscores.", "Gunakan 3 sampai 32 huruf, angka, titik, tanda hubung, atau garis bawah.";
    UsernameTaken => "This username is already in use.", "Nama pengguna ini sudah dipakai.";
    RoleInvalid => "Choose one of the roles.", "Pilih salah satu peran.";
    StaffCreated => "Staff member {name} added.", "Staf {name} ditambahkan.";
    StaffUpdated => "Staff member {name} updated.", "Staf {name} diperbarui.";
    PasswordChanged => "Password changed.", "Kata sandi diubah.";
    CannotDisableSelf => "You cannot disable your own account.", "Anda tidak dapat menonaktifkan akun Anda sendiri.";
    LastAdmin => "At least one active administrator must remain.", "Harus tetap ada minimal satu administrator aktif.";
    Permissions => "Permissions", "Izin";

    // SMS.
    NavSms => "SMS", "SMS";
    PhoneNumber => "Phone number", "Nomor telepon";
    PhoneInvalid => "This is not a phone number we can send to. Check the digits, e.g. 0812-3456-7890.",
        "Ini bukan nomor telepon yang dapat kami kirimi. Periksa angkanya, mis. 0812-3456-7890.";
    SmsNoModem => "No modem configured", "Tidak ada modem yang dikonfigurasi";
    SmsLogOnly => "Log only (not real delivery)", "Hanya log (tidak benar-benar terkirim)";
    SmsConnecting => "Connecting to the modem", "Menghubungkan ke modem";
    SmsConnected => "Modem connected", "Modem terhubung";
    SmsDisconnected => "Modem not reachable", "Modem tidak terjangkau";
    SmsSimLocked => "SIM locked: it needs its PIN or PUK", "SIM terkunci: perlu PIN atau PUK";
    SmsNoModemWarning => "No modem is configured: messages, including login codes, wait in the queue until one is. Set [modem] device.",
        "Tidak ada modem yang dikonfigurasi: pesan, termasuk kode masuk, menunggu di antrean sampai ada. Atur [modem] device.";
    SmsLogOnlyWarning => "Messages are written to sms-log.txt in the data folder instead of being sent. Nothing reaches customers' phones.",
        "Pesan ditulis ke sms-log.txt di folder data, tidak dikirim. Tidak ada yang sampai ke ponsel nasabah.";
    SmsQueued => "{n} waiting to be sent", "{n} menunggu dikirim";
    SmsModem => "Modem", "Modem";
    SmsSince => "since {when}", "sejak {when}";
    SmsOperator => "Operator", "Operator";
    SmsSignal => "Signal", "Sinyal";
    SmsRegistration => "Network", "Jaringan";
    SmsRegisteredHome => "Registered", "Terdaftar";
    SmsRegisteredRoaming => "Registered (roaming)", "Terdaftar (roaming)";
    SmsSearching => "Searching for the network", "Mencari jaringan";
    SmsDenied => "Registration denied", "Pendaftaran ditolak";
    SmsUnknown => "Unknown", "Tidak diketahui";
    SmsLastError => "Last error", "Kesalahan terakhir";
    SmsSetAside => "Set aside for now: its messages go through the other modems",
        "Disisihkan sementara: pesannya dikirim lewat modem lain";
    SmsBalance => "SIM balance", "Pulsa SIM";
    SmsBalanceNever => "Not checked yet", "Belum diperiksa";
    SmsBalanceAt => "{amount} at {when}", "{amount} pada {when}";
    SmsBalanceFailed => "Check failed at {when}: {why}", "Pemeriksaan gagal pada {when}: {why}";
    SmsCheckBalance => "Check balance", "Periksa pulsa";
    SmsBalanceAsked => "The modem checks its balance as soon as it is free. Reload this page in a moment.",
        "Modem memeriksa pulsanya begitu tidak sibuk. Muat ulang halaman ini sebentar lagi.";
    SmsNoBalanceCode => "No balance code is set for this modem ([modem] balance_ussd).",
        "Belum ada kode cek pulsa untuk modem ini ([modem] balance_ussd).";
    SmsUnknownModem => "There is no modem of that name.", "Tidak ada modem dengan nama itu.";
    SmsToday => "Today", "Hari ini";
    SmsTodayCounts => "{messages} messages, {parts} parts, cost {cost}",
        "{messages} pesan, {parts} bagian, biaya {cost}";
    SmsLowBalance => "Low SIM balance on {modem}: {amount}. Top it up so messages keep going.",
        "Pulsa SIM {modem} rendah: {amount}. Isi ulang agar pesan tetap terkirim.";
    SmsQueue => "Queue", "Antrean";
    SmsKind => "Kind", "Jenis";
    // A message's state in the outbox (SMS and email), and its kind.
    OutboxQueued => "Waiting", "Menunggu";
    OutboxSending => "Sending", "Sedang dikirim";
    OutboxSent => "Sent", "Terkirim";
    OutboxFailed => "Failed", "Gagal";
    OutboxExpired => "Expired", "Kedaluwarsa";
    OutboxCancelled => "Cancelled", "Dibatalkan";
    KindLoginCode => "Login code", "Kode masuk";
    KindVerificationCode => "Verification code", "Kode verifikasi";
    KindTest => "Test", "Uji";
    KindNotice => "Notice", "Pemberitahuan";
    KindFollowUp => "Follow-up", "Tindak lanjut";
    KindReminder => "Reminder", "Pengingat";
    KindCampaign => "Campaign", "Kampanye";
    KindInvitation => "Portal invitation", "Undangan portal";
    SmsSendTest => "Send test message", "Kirim pesan uji";
    SmsTestText => "Test message from {branch}. If you can read this, SMS from the branch reaches your phone.",
        "Pesan uji dari {branch}. Jika Anda dapat membaca ini, SMS dari cabang sampai ke ponsel Anda.";
    SmsTestQueued => "Test message queued.", "Pesan uji masuk antrean.";
    SmsRecent => "Recent messages", "Pesan terbaru";
    SmsTo => "To", "Kepada";
    SmsText => "Text", "Teks";
    SmsRetry => "Retry", "Coba lagi";
    SmsCancel => "Cancel", "Batalkan";
    SmsWrongState => "This message is {state} and cannot be changed.", "Pesan ini berstatus {state} dan tidak dapat diubah.";
    // Delivery reports (issue 17): the network's word on whether a message reached the phone.
    SmsDelivery => "Delivery", "Penerimaan";
    SmsDeliveredAt => "delivered to the phone at {when}", "diterima ponsel pada {when}";
    SmsNotDelivered => "not delivered ({reason}, {when})", "tidak terkirim ({reason}, {when})";
    SmsSentAt => "Sent at", "Dikirim pada";
    // Messages from customers (issue 17): the staff inbox and its answers.
    NavSmsInbox => "SMS inbox", "Kotak masuk SMS";
    SmsInboxFromCustomers => "From customers", "Dari nasabah";
    SmsInboxUnknown => "From unknown numbers", "Dari nomor tak dikenal";
    SmsInboxEmpty => "No messages.", "Tidak ada pesan.";
    SmsInboxFrom => "From", "Dari";
    SmsInboxReceived => "Received", "Diterima";
    SmsInboxUnread => "unread", "belum dibaca";
    SmsInboxStop => "STOP: no more reminders", "STOP: tanpa pengingat lagi";
    SmsInboxAnswer => "Answer by SMS", "Balas lewat SMS";
    SmsInboxAnswerQueued => "Answer queued.", "Balasan masuk antrean.";
    SmsInboxAnswerEmpty => "Write the answer.", "Tulis balasannya.";
    SmsInboxAnswerTooLong => "At most {n} characters.", "Paling banyak {n} karakter.";
    SmsInboxDoNotText => "This customer asked for no more texts; send only what they asked for.",
        "Nasabah ini meminta tidak dikirimi SMS lagi; kirim hanya yang mereka minta.";
    TimelineSmsReply => "SMS from the customer", "SMS dari nasabah";
    SmsNoReportYet => "no delivery report yet", "belum ada laporan penerimaan";
    DeliveryExpired => "the phone stayed off or out of reach", "ponsel mati atau di luar jangkauan";
    DeliveryNumberUnreachable => "the number cannot be reached", "nomor tidak dapat dihubungi";
    DeliveryPhoneRefused => "the phone refused it", "ditolak oleh ponsel";
    DeliveryNetworkError => "network error", "gangguan jaringan";
    SmsStopConfirmation => "{branch}: you will get no more reminders by SMS. Codes you ask for still come by SMS. To get reminders again, ask at the branch.",
        "{branch}: Anda tidak akan menerima pengingat lewat SMS lagi. Kode yang Anda minta tetap dikirim lewat SMS. Untuk menerima pengingat lagi, hubungi cabang.";
    SmsCodesUndelivered => "{n} one-time codes sent more than {minutes} minutes ago have not reached the phone: the customer may be waiting; check the number or offer another way.",
        "{n} kode sekali pakai yang dikirim lebih dari {minutes} menit lalu belum diterima ponsel: nasabah mungkin menunggu; periksa nomornya atau tawarkan cara lain.";

    // Email (issue 7): the staff page, the customer page's card, and the emails themselves.
    NavEmail => "Email", "Email";
    EmailNoRelay => "No relay configured", "Tidak ada relay yang dikonfigurasi";
    EmailRelayWaiting => "Relay configured; nothing sent yet", "Relay dikonfigurasi; belum ada yang dikirim";
    EmailRelayReachable => "Relay reachable", "Relay terjangkau";
    EmailRelayUnreachable => "Relay not reachable: emails wait and are tried again", "Relay tidak terjangkau: email menunggu dan dicoba lagi";
    EmailNoRelayWaiting => "No relay configured: {n} emails waiting. Set [email] relay to send them.",
        "Tidak ada relay yang dikonfigurasi: {n} email menunggu. Atur [email] relay untuk mengirimnya.";
    EmailRelay => "Relay", "Relay";
    EmailFrom => "From", "Dari";
    EmailRecent => "Recent emails", "Email terbaru";
    EmailSubject => "Subject", "Subjek";
    EmailWrongState => "This email is {state} and cannot be changed.", "Email ini berstatus {state} dan tidak dapat diubah.";
    EmailQueued => "Email queued.", "Email masuk antrean.";
    EmailQueuedNoRelay => "Email queued. No relay is configured, so it waits until one is.",
        "Email masuk antrean. Belum ada relay yang dikonfigurasi, jadi email menunggu sampai ada.";
    EmailUnverified => "Email not verified", "Email belum terverifikasi";
    EmailVerifiedBadge => "Email verified", "Email terverifikasi";
    MessagesTitle => "Email and messages", "Email dan pesan";
    SendInvitation => "Send portal invitation", "Kirim undangan portal";
    SendTestEmail => "Send test email", "Kirim email uji";
    SendTestSms => "Send test SMS", "Kirim SMS uji";
    Invitations => "Portal invitations", "Undangan portal";
    InvitationNoEmail => "This customer has no email address.", "Nasabah ini tidak memiliki alamat email.";
    InvitationDuplicates => "This customer has duplicate records that are not resolved yet. Resolve the duplicates before sending the portal invitation.",
        "Nasabah ini memiliki data ganda yang belum diselesaikan. Selesaikan data ganda sebelum mengirim undangan portal.";
    InvitationSubject => "{branch}: pay and extend your loans online", "{branch}: bayar dan perpanjang gadai Anda secara online";
    InvitationBody => "Hello {name},\n\n{branch} has a customer portal, \"Pay My Loan\". There you can see your pawn tickets and what is due on each, and extend a loan with a payment code, from your own phone.\n\nOpen {url} while you are connected to the branch Wi-Fi and choose \"Pay My Loan\".\n\nTo log in, enter your phone number {phone}. We send a one-time code to that phone by SMS; type it in and you are in. On your first visit you complete your profile once.\n\nNever share the code with anyone: {branch} staff will never ask you for it.\n\n{branch}",
        "Halo {name},\n\n{branch} memiliki portal nasabah, \"Bayar Pinjaman Saya\". Di sana Anda dapat melihat surat gadai Anda dan tagihan masing-masing, serta memperpanjang gadai dengan kode pembayaran, dari ponsel Anda sendiri.\n\nBuka {url} saat terhubung ke Wi-Fi cabang lalu pilih \"Bayar Pinjaman Saya\".\n\nUntuk masuk, masukkan nomor telepon Anda {phone}. Kami mengirim kode sekali pakai ke ponsel itu lewat SMS; ketik kode itu dan Anda sudah masuk. Pada kunjungan pertama Anda melengkapi profil satu kali.\n\nJangan pernah memberikan kode itu kepada siapa pun: staf {branch} tidak akan pernah memintanya.\n\n{branch}";
    TestEmailSubject => "Test email from {branch}", "Email uji dari {branch}";
    TestEmailBody => "This is a test email from {branch}. If you can read this, email from the branch reaches your mailbox. Nothing else is needed.",
        "Ini adalah email uji dari {branch}. Jika Anda dapat membaca ini, email dari cabang sampai ke kotak surat Anda. Tidak perlu melakukan apa pun.";
    EmailVerification => "Email verification", "Verifikasi email";
    EmailVerifyIntro => "Send a code to the customer's email address; the customer reads it from their mailbox and you type it in. Only a verified address can receive login codes.",
        "Kirim kode ke alamat email nasabah; nasabah membacanya dari kotak suratnya dan Anda mengetikkannya. Hanya alamat yang terverifikasi yang dapat menerima kode masuk.";
    SendCodeByEmail => "Send code by email", "Kirim kode lewat email";
    EmailVerifiedStaff => "Email address verified.", "Alamat email terverifikasi.";
    EventEmailVerified => "Email address verified", "Alamat email terverifikasi";
    CodeSentToEmail => "Code sent to {email}.", "Kode dikirim ke {email}.";
    CodeEmailSubject => "{branch}: your code", "{branch}: kode Anda";
    CodeEmailBody => "{code} is your {branch} code. It expires in {minutes} minutes. Never share it with anyone. If you did not ask for it, ignore this email.",
        "{code} adalah kode {branch} Anda. Berlaku {minutes} menit. Jangan berikan kepada siapa pun. Jika Anda tidak memintanya, abaikan email ini.";
    SendCodeByEmailInstead => "Send the code by email instead", "Kirim kode lewat email saja";
    CodeSentByEmailIfVerified => "If this number has a verified email address with us, we have sent the code there. Check the spam folder too.",
        "Jika nomor ini memiliki alamat email terverifikasi di kami, kode sudah kami kirim ke sana. Periksa juga folder spam.";

    // Reminders: the staff page and the built-in texts (placeholders as in `reminders.rs`).
    NavReminders => "Reminders", "Pengingat";
    RemindersTitle => "SMS reminders", "Pengingat SMS";
    RemindersDaysBefore => "Days before the due date", "Hari sebelum jatuh tempo";
    RemindersDaysList => "{days} (0 is the due date itself)", "{days} (0 berarti hari jatuh tempo itu sendiri)";
    RemindersNoDays => "None", "Tidak ada";
    RemindersOverdue => "Overdue reminder", "Pengingat lewat jatuh tempo";
    RemindersOverdueAfter => "On day {days} after the due date, during the grace days", "Pada hari ke-{days} setelah jatuh tempo, selama masa tenggang";
    RemindersNotice => "Final notice", "Pemberitahuan akhir";
    RemindersNoticeWhen => "When the grace days are over", "Saat masa tenggang berakhir";
    RemindersHours => "Sending hours (branch time)", "Jam pengiriman (waktu cabang)";
    RemindersSentIn => "Sent in", "Dikirim dalam";
    RemindersConfigHint => "Each ticket gets each reminder once; customers marked \"do not text\" get none.",
        "Setiap tiket menerima setiap pengingat satu kali; nasabah bertanda \"jangan kirim SMS\" tidak menerima apa pun.";
    ScheduleTitle => "Days and hours", "Hari dan jam";
    ScheduleHint => "Saved here, the days and hours replace those of the configuration file ([reminders]) from the next reminder pass on.",
        "Setelah disimpan di sini, hari dan jam ini menggantikan yang ada di berkas konfigurasi ([reminders]) mulai putaran pengingat berikutnya.";
    ScheduleDaysBefore => "Days before the due date (0 is the due date itself)", "Hari sebelum jatuh tempo (0 berarti hari jatuh tempo itu sendiri)";
    ScheduleOverdueDays => "Overdue reminder: days after the due date", "Pengingat lewat jatuh tempo: hari setelah jatuh tempo";
    ScheduleSendFrom => "Send from (HH:MM)", "Kirim mulai (JJ:MM)";
    ScheduleSendUntil => "Send until (HH:MM)", "Kirim sampai (JJ:MM)";
    ScheduleDaysInvalid => "Whole numbers of days from 0 to {max}, each once, separated by commas, e.g. 5,3,1,0.",
        "Bilangan hari bulat dari 0 sampai {max}, masing-masing sekali, dipisah koma, mis. 5,3,1,0.";
    ScheduleTimeInvalid => "Write the time as HH:MM, e.g. 08:00.", "Tulis jam sebagai JJ:MM, mis. 08:00.";
    ScheduleHoursOrder => "The end must be later in the day than the start.", "Jam selesai harus lebih siang dari jam mulai.";
    ScheduleOverdueInvalid => "A number of days from 1 to {max}.", "Jumlah hari dari 1 sampai {max}.";
    ScheduleSaved => "Reminder days and hours saved.", "Hari dan jam pengingat disimpan.";
    RemindersTexts => "Texts", "Teks";
    RemindersTextsHint => "At most {max} characters. A text over 160 characters (70 with letters outside the GSM alphabet) goes as more than one SMS.",
        "Paling banyak {max} karakter. Teks lebih dari 160 karakter (70 bila memakai huruf di luar alfabet GSM) dikirim sebagai lebih dari satu SMS.";
    RemindersPlaceholders => "Placeholders", "Penanda isian";
    PlaceholderName => "The customer's full name", "Nama lengkap nasabah";
    PlaceholderTicket => "The ticket number", "Nomor tiket";
    PlaceholderDate => "The due date; in the final notice, the last day before the item is forfeited",
        "Tanggal jatuh tempo; pada pemberitahuan akhir, hari terakhir sebelum barang dilelang";
    PlaceholderAmount => "The amount due on the day the message is sent", "Jumlah yang harus dibayar pada hari pesan dikirim";
    PlaceholderBranch => "The branch name", "Nama cabang";
    TemplateLabel => "{event}: {language}", "{event}: {language}";
    TemplateTooLong => "At most {max} characters; this text has {count}.", "Paling banyak {max} karakter; teks ini {count}.";
    TemplateUnknownPlaceholder => "{placeholder} is not a placeholder. Use only {allowed}.",
        "{placeholder} bukan penanda isian. Gunakan hanya {allowed}.";
    TemplatesSaved => "Reminder texts saved.", "Teks pengingat disimpan.";
    ReminderBeforeMaturity => "Before the due date", "Sebelum jatuh tempo";
    ReminderOnMaturity => "On the due date", "Pada hari jatuh tempo";
    ReminderOverdue => "Overdue", "Lewat jatuh tempo";
    ReminderNotice => "Final notice", "Pemberitahuan akhir";
    ReminderTextBeforeMaturity => "{branch}: {name}, your pawn ticket {ticket} is due on {date}. Amount due: {amount}. Extend or redeem at the branch or on Pay My Loan.",
        "{branch}: Yth. {name}, gadai {ticket} jatuh tempo {date}. Tagihan: {amount}. Perpanjang atau tebus di cabang atau lewat Bayar Pinjaman Saya.";
    ReminderTextOnMaturity => "{branch}: {name}, your pawn ticket {ticket} is due today, {date}. Amount due: {amount}. Extend or redeem today to avoid late fees.",
        "{branch}: Yth. {name}, gadai {ticket} jatuh tempo hari ini, {date}. Tagihan: {amount}. Perpanjang atau tebus hari ini agar tidak kena denda.";
    ReminderTextOverdue => "{branch}: {name}, your pawn ticket {ticket} was due on {date} and is overdue. Amount due: {amount}. Please extend or redeem soon.",
        "{branch}: Yth. {name}, gadai {ticket} sudah lewat jatuh tempo ({date}). Tagihan: {amount}. Mohon segera perpanjang atau tebus.";
    ReminderTextNotice => "{branch}: FINAL NOTICE. {name}, pawn ticket {ticket} is overdue. Amount due today: {amount}. Extend or redeem by {date}; after that the item is forfeited.",
        "{branch}: PEMBERITAHUAN AKHIR. Yth. {name}, gadai {ticket} lewat jatuh tempo. Tagihan hari ini: {amount}. Perpanjang atau tebus paling lambat {date}; setelah itu barang dilelang.";

    // Payments waiting for confirmation (seed 003, C.5).
    CardUnconfirmedPayments => "Payments waiting for confirmation over {hours} hours", "Pembayaran menunggu konfirmasi lebih dari {hours} jam";
    UnconfirmedHint => "Check each against the bank or mobile-money statement; tell the manager about any still missing.",
        "Periksa masing-masing dengan mutasi bank atau uang elektronik; laporkan yang masih belum masuk kepada manajer.";
    UnconfirmedNone => "None.", "Tidak ada.";
    UnconfirmedMore => "And {n} more.", "Dan {n} lainnya.";
    Waiting => "Waiting", "Menunggu";
    HoursMinutes => "{hours} h {minutes} min", "{hours} jam {minutes} mnt";

    // The customer's file at the counter.
    ContactsTitle => "Alternative contacts and guarantors", "Kontak alternatif dan penjamin";
    ContactsNone => "None recorded.", "Belum ada yang dicatat.";
    ContactAlternative => "Alternative contact", "Kontak alternatif";
    ContactGuarantor => "Guarantor", "Penjamin";
    ContactKind => "Type", "Jenis";
    ContactKindInvalid => "Choose alternative contact or guarantor.", "Pilih kontak alternatif atau penjamin.";
    ContactRelationship => "Relationship (e.g. sister, employer)", "Hubungan (mis. kakak, atasan)";
    ContactRelationshipInvalid => "The relationship can be at most 60 characters.", "Hubungan paling banyak 60 karakter.";
    ContactAdd => "Add contact", "Tambah kontak";
    ContactAdded => "Contact added.", "Kontak ditambahkan.";
    ContactRemove => "Remove", "Hapus";
    ContactEdit => "Change", "Ubah";
    ContactEdited => "Contact changed.", "Kontak diubah.";
    ContactEmail => "Email (if any)", "Email (jika ada)";
    ContactHistory => "History", "Riwayat";
    ContactPhoneVerified => "Phone checked", "Telepon terverifikasi";
    ContactPhoneUnverified => "Phone not checked", "Telepon belum diverifikasi";
    ContactLocked => "Locked: three wrong codes; change the phone to try again", "Terkunci: tiga kode salah; ubah teleponnya untuk mencoba lagi";
    ContactSendCode => "Send a code", "Kirim kode";
    ContactCode => "Code the contact read out", "Kode yang dibacakan kontak";
    ContactCheckCode => "Check", "Periksa";
    ContactPhoneVerifiedNow => "The contact's phone is checked.", "Telepon kontak terverifikasi.";
    NoteLabel => "Follow-up note", "Catatan tindak lanjut";
    NoteAdd => "Add note", "Tambah catatan";
    NoteAdded => "Note added.", "Catatan ditambahkan.";
    NoteInvalid => "Write the note (at most 2,000 characters).", "Tulis catatannya (paling banyak 2.000 karakter).";
    TimelineTitle => "Timeline", "Riwayat";
    TimelineNote => "Note", "Catatan";
    TimelineFollowUp => "Follow-up call", "Tindak lanjut telepon";
    FollowUpAction => "Action", "Tindakan";
    FollowUpCallResults => "Call Results", "Hasil Panggilan";
    FollowUpCallStatus => "Call Status", "Status Panggilan";
    FollowUpCallStatusAction => "Call Status Action", "Tindakan Status Panggilan";
    FollowUpPartyResponse => "Party Response", "Tanggapan Pihak";
    FollowUpPromisedAmount => "Promised Amount", "Jumlah yang Dijanjikan";
    FollowUpPromisedDate => "Promised Date", "Tanggal Janji";
    FollowUpSetVisitDate => "Set Visit Date", "Tetapkan Tanggal Kunjungan";
    FollowUpComments => "Comments", "Komentar";
    FollowUpClientStatus => "Client Status", "Status Klien";
    FollowUpSendMessage => "Send Client A Message?", "Kirim Pesan ke Klien?";
    FollowUpTitle => "Customer Follow-Up", "Tindak Lanjut Nasabah";
    AgentDashboardTitle => "Agent dashboard", "Dasbor petugas";
    ChoicesTitle => "Follow-up note choices", "Pilihan catatan tindak lanjut";
    ChoicesIntro => "Each list narrows the next: a choice shows only after the choice it follows. Notes are checked against this table; a retired choice stays in old notes.", "Setiap daftar mempersempit daftar berikutnya: pilihan hanya muncul setelah pilihan yang diikutinya. Catatan diperiksa dengan tabel ini; pilihan yang dihentikan tetap ada di catatan lama.";
    ChoicesAfter => "After", "Setelah";
    ChoicesLabels => "Labels", "Label";
    ChoicesTakesPromise => "Takes a promise to pay", "Memerlukan janji bayar";
    ChoicesRetired => "Retired", "Dihentikan";
    ChoicesRetire => "Retire", "Hentikan";
    ChoicesAdd => "Add a choice", "Tambah pilihan";
    ChoicesField => "List", "Daftar";
    ChoicesParent => "Follows the choice (its code)", "Mengikuti pilihan (kodenya)";
    ChoicesParentHint => "Empty for Call Results and Client Status.", "Kosongkan untuk Hasil Panggilan dan Status Klien.";
    ChoicesCode => "Code", "Kode";
    ChoicesCodeHint => "Lower-case letters, digits and _, e.g. asks_callback.", "Huruf kecil, angka dan _, mis. minta_ditelepon.";
    ChoicesSaved => "Choices saved.", "Pilihan disimpan.";
    ChoicesBadLabel => "A label needs 1 to 80 characters.", "Label perlu 1 sampai 80 karakter.";
    ChoicesBadCode => "Write the code with lower-case letters, digits and _ only.", "Tulis kode hanya dengan huruf kecil, angka dan _.";
    ChoicesNoParent => "No choice of the list before has this code.", "Tidak ada pilihan di daftar sebelumnya dengan kode ini.";
    ChoicesAlreadyThere => "This choice is already in the list there.", "Pilihan ini sudah ada di daftar itu.";
    ChoicesBadField => "Choose a list.", "Pilih daftar.";
    DashboardWeekOf => "Week of {from} to {to}", "Minggu {from} sampai {to}";
    DashboardCsv => "Download CSV", "Unduh CSV";
    DashboardNone => "No calls or promises this week.", "Tidak ada panggilan atau janji minggu ini.";
    DashboardCalls => "Calls made", "Panggilan";
    DashboardConnected => "Connected", "Tersambung";
    DashboardContactRate => "Contact rate", "Tingkat kontak";
    DashboardPromisesMade => "Promises made", "Janji dibuat";
    DashboardPromisesKept => "Promises kept", "Janji ditepati";
    DashboardPromisesBroken => "Promises broken", "Janji diingkari";
    DashboardCollected => "Collected after contact", "Tertagih setelah kontak";
    DashboardCallsChart => "Calls", "Panggilan";
    DashboardPromisesChart => "Promises to pay", "Janji bayar";
    FollowUpSearch => "Name, phone or ticket number", "Nama, telepon atau nomor tiket";
    FollowUpReason => "Show", "Tampilkan";
    FollowUpReasonAll => "Everyone to contact", "Semua yang perlu dihubungi";
    FollowUpReasonOverdue => "Overdue loans", "Pinjaman terlambat";
    FollowUpReasonDueSoon => "Due soon", "Segera jatuh tempo";
    FollowUpReasonPromiseToday => "Promises due today", "Janji jatuh tempo hari ini";
    FollowUpReasonBroken => "Broken promises", "Janji yang diingkari";
    FollowUpReasonNewApplication => "New applications waiting for information approval", "Pengajuan baru menunggu persetujuan data";
    FollowUpNewApplication => "New application", "Pengajuan baru";
    FollowUpSort => "Sort by", "Urutkan menurut";
    FollowUpSortPriority => "Priority", "Prioritas";
    FollowUpSortDays => "Days overdue", "Hari terlambat";
    FollowUpSortAmount => "Amount overdue", "Jumlah terlambat";
    FollowUpSortContact => "Last contact", "Kontak terakhir";
    FollowUpSortPromise => "Promise state", "Status janji";
    FollowUpMine => "Only mine", "Hanya milik saya";
    FollowUpNone => "Nobody to contact.", "Tidak ada yang perlu dihubungi.";
    FollowUpCustomer => "Customer", "Nasabah";
    FollowUpTickets => "Tickets", "Tiket";
    FollowUpAgent => "Agent", "Petugas";
    FollowUpNever => "Never", "Belum pernah";
    FollowUpTake => "Take", "Ambil";
    FollowUpAssign => "Assign", "Tugaskan";
    FollowUpUnassigned => "Unassigned", "Belum ditugaskan";
    FollowUpTaken => "{name} follows this customer up.", "{name} menindaklanjuti nasabah ini.";
    FollowUpTakenByOther => "This customer is already assigned to {name}.", "Nasabah ini sudah ditugaskan ke {name}.";
    FollowUpAgentInvalid => "Choose a call agent.", "Pilih petugas panggilan.";
    FollowUpPageOf => "Page {page} of {pages} ({n} customers)", "Halaman {page} dari {pages} ({n} nasabah)";
    FollowUpPromiseDueToday => "Promise due today", "Janji jatuh tempo hari ini";
    FollowUpCustomerFile => "Open the customer's file", "Buka data nasabah";
    FollowUpLoanSummary => "Loan Summary", "Ringkasan Pinjaman";
    FollowUpLoanBalance => "Loan balance", "Sisa pinjaman";
    FollowUpLoanType => "Loan type", "Jenis pinjaman";
    FollowUpLoanSchedule => "Loan Schedule", "Jadwal Pinjaman";
    FollowUpGraceEnds => "Grace days end", "Masa tenggang berakhir";
    FollowUpNoTickets => "No open tickets.", "Tidak ada tiket terbuka.";
    FollowUpStatement => "Customer Statement", "Mutasi Nasabah";
    FollowUpRo => "Relationship Officer (RO)", "Relationship Officer (RO)";
    FollowUpRoNone => "No RO assigned yet.", "Belum ada RO yang ditugaskan.";
    FollowUpRoInvalid => "Choose an active staff member.", "Pilih anggota staf yang aktif.";
    FollowUpRoAssigned => "RO assigned.", "RO ditugaskan.";
    FollowUpRoPhone => "RO's phone", "Telepon RO";
    FollowUpRoNoPhone => "The RO has no phone number on file.", "RO belum memiliki nomor telepon.";
    FollowUpInfo => "Customer information", "Data nasabah";
    FollowUpInfoWaiting => "New application: the customer's information is waiting for approval. Check it with the customer, then approve it.", "Pengajuan baru: data nasabah menunggu persetujuan. Periksa bersama nasabah, lalu setujui.";
    FollowUpInfoApprove => "Approve information", "Setujui data";
    FollowUpInfoApprovedBy => "Information approved by", "Data disetujui oleh";
    FollowUpInfoNotApproved => "Not approved by the call centre.", "Belum disetujui oleh call centre.";
    FollowUpInfoApproved => "Customer information approved.", "Data nasabah disetujui.";
    FollowUpInfoAlready => "The customer's information was already approved.", "Data nasabah sudah disetujui sebelumnya.";
    DoNotContact => "Do not contact", "Jangan dihubungi";
    FollowUpDncReason => "Reason", "Alasan";
    FollowUpDncMarkedBy => "Marked by", "Ditandai oleh";
    FollowUpDncNone => "The customer may be contacted.", "Nasabah boleh dihubungi.";
    FollowUpDncSet => "Mark do not contact", "Tandai jangan dihubungi";
    FollowUpDncClear => "Clear do not contact", "Hapus tanda jangan dihubungi";
    FollowUpDncSaved => "Marked do not contact.", "Ditandai jangan dihubungi.";
    FollowUpDncCleared => "Do not contact cleared.", "Tanda jangan dihubungi dihapus.";
    FollowUpDncReasonInvalid => "Write the reason (1 to 500 characters).", "Tulis alasannya (1 sampai 500 karakter).";
    FollowUpDncNotMarked => "The customer is not marked do not contact.", "Nasabah tidak ditandai jangan dihubungi.";
    FollowUpDncRefused => "This customer is marked do not contact: no call to them, their guarantors or contacts, and no message.", "Nasabah ini ditandai jangan dihubungi: tidak boleh menelepon nasabah, penjamin atau kontaknya, dan tidak boleh mengirim pesan.";
    FollowUpHistory => "Interaction History", "Riwayat Interaksi";
    FollowUpPromises => "Promises to pay", "Janji bayar";
    FollowUpNotesTitle => "Follow-Up Notes", "Catatan Tindak Lanjut";
    FollowUpWhomCustomer => "Call the customer", "Telepon nasabah";
    FollowUpWhomGuarantor => "Call guarantor {name}", "Telepon penjamin {name}";
    FollowUpWhomAlternative => "Call alternative contact {name}", "Telepon kontak alternatif {name}";
    FollowUpWhomRo => "Call the RO", "Telepon RO";
    FollowUpTicketField => "Ticket talked about", "Tiket yang dibicarakan";
    FollowUpNoTicket => "None", "Tidak ada";
    FollowUpChoose => "Choose…", "Pilih…";
    FollowUpNarrow => "Show matching choices", "Tampilkan pilihan yang sesuai";
    FollowUpTemplate => "Template", "Templat";
    FollowUpMessage => "Message", "Pesan";
    FollowUpTemplateCall => "{branch}: {name}, we tried to reach you about your pawn ticket. Please call or visit the branch.", "{branch}: {name}, kami mencoba menghubungi Anda tentang tiket gadai Anda. Mohon hubungi atau datangi cabang.";
    FollowUpTemplateThanks => "{branch}: {name}, thank you for talking with us today.", "{branch}: {name}, terima kasih sudah berbicara dengan kami hari ini.";
    FollowUpTemplateVisit => "{branch}: {name}, our officer will visit you on the day we agreed.", "{branch}: {name}, petugas kami akan berkunjung pada hari yang disepakati.";
    FollowUpYes => "Yes", "Ya";
    FollowUpNo => "No", "Tidak";
    FollowUpSaved => "Follow-up note saved.", "Catatan tindak lanjut disimpan.";
    FollowUpChoiceMissing => "Choose one.", "Pilih salah satu.";
    FollowUpChoiceMismatch => "“{value}” does not go with the {field} chosen.", "“{value}” tidak sesuai dengan {field} yang dipilih.";
    FollowUpWhomInvalid => "Choose whom you called.", "Pilih siapa yang ditelepon.";
    FollowUpTicketInvalid => "Choose one of the customer's open tickets.", "Pilih salah satu tiket nasabah yang masih berjalan.";
    FollowUpPromiseNeeded => "This response needs a promised amount, a promised date and the ticket.", "Tanggapan ini memerlukan jumlah, tanggal janji dan tiketnya.";
    FollowUpPromiseNotExpected => "Only a promise to pay takes a promised amount and date.", "Hanya janji membayar yang memakai jumlah dan tanggal janji.";
    FollowUpAmountInvalid => "Write an amount above zero.", "Tulis jumlah di atas nol.";
    FollowUpDateInvalid => "Choose today or a later date.", "Pilih hari ini atau tanggal sesudahnya.";
    FollowUpCommentsInvalid => "Comments can be at most 2000 characters.", "Komentar paling banyak 2000 karakter.";
    FollowUpMessageInvalid => "Write the message (at most 459 characters).", "Tulis pesannya (paling banyak 459 karakter).";
    FollowUpDoNotText => "The customer asked not to be texted.", "Nasabah meminta tidak dikirimi SMS.";
    FollowUpOpenComplaint => "Open billing complaint", "Pengaduan penagihan terbuka";
    FollowUpOutsideHours => "Customers may be contacted only from {from} to {until}.", "Nasabah hanya boleh dihubungi pukul {from} sampai {until}.";
    FollowUpHoliday => "Today is one of the branch's holidays: no calls or messages.", "Hari ini hari libur cabang: tidak ada panggilan atau pesan.";
    FollowUpNothingSaved => "Nothing was saved.", "Tidak ada yang disimpan.";
    ContactCodeNotSent => "No code was sent.", "Tidak ada kode yang dikirim.";
    FollowUpDailyLimit => "This customer was contacted {n} times today, the most allowed.", "Nasabah ini sudah dihubungi {n} kali hari ini, batas terbanyak.";
    PromiseActive => "Promised", "Dijanjikan";
    PromiseKept => "Kept", "Ditepati";
    PromiseBroken => "Broken", "Diingkari";
    PromiseReplaced => "Replaced", "Diganti";
    PromiseMadeSms => "{branch}: thank you. We noted your promise to pay {amount} on ticket {ticket} by {date}.", "{branch}: terima kasih. Janji Anda membayar {amount} untuk tiket {ticket} paling lambat {date} sudah kami catat.";
    PromiseDueSms => "{branch}: today, {date}, is the day you promised to pay {amount} on ticket {ticket}.", "{branch}: hari ini, {date}, adalah hari Anda berjanji membayar {amount} untuk tiket {ticket}.";
    CallerTitle => "Verify caller", "Verifikasi penelepon";
    CallerIntro => "Before giving any account detail on the phone, ask the caller for the phone number, ID number or full name used at registration and compare it with this record.", "Sebelum memberikan informasi akun melalui telepon, tanyakan nomor telepon, nomor KTP atau nama lengkap yang digunakan saat pendaftaran dan cocokkan dengan data ini.";
    CallerChecked => "Details the caller gave correctly", "Data yang disebutkan penelepon dengan benar";
    CallerVerify => "Record verification", "Catat verifikasi";
    CallerVerified => "Caller verification recorded.", "Verifikasi penelepon dicatat.";
    CallerNothingChecked => "Tick at least one detail the caller gave correctly; otherwise give no account details.", "Centang minimal satu data yang disebutkan penelepon dengan benar; jika tidak, jangan berikan informasi akun.";
    EventCallerVerified => "Caller verified", "Penelepon diverifikasi";
    // Complaint cases (issue 14; seeds 003 and 002).
    ComplaintsTitle => "Complaints", "Keluhan";
    ComplaintsUnresolved => "Not yet resolved", "Belum selesai";
    ComplaintsAll => "All states", "Semua status";
    ComplaintsAnyCategory => "Any category", "Semua kategori";
    ComplaintsSort => "Sort by", "Urutkan menurut";
    ComplaintsSortTimeLeft => "Time left, least first", "Sisa waktu, paling sedikit dulu";
    ComplaintsSortOpened => "Opened, oldest first", "Dibuka, paling lama dulu";
    ComplaintsSortNewest => "Opened, newest first", "Dibuka, paling baru dulu";
    ComplaintsMine => "Only mine", "Hanya milik saya";
    ComplaintsShow => "Show", "Tampilkan";
    ComplaintsNone => "No complaint cases.", "Tidak ada kasus keluhan.";
    ComplaintsNoCustomer => "No customer found: check the number or the name.", "Nasabah tidak ditemukan: periksa nomor atau namanya.";
    ComplaintNew => "Open a complaint", "Buka keluhan";
    ComplaintOpen => "Open the case", "Buka kasus";
    ComplaintOpened => "Complaint case opened.", "Kasus keluhan dibuka.";
    ComplaintSaved => "Saved on the case.", "Disimpan pada kasus.";
    ComplaintCase => "Complaint", "Keluhan";
    ComplaintFindCustomer => "Customer: phone number, KTP number or name", "Nasabah: nomor telepon, nomor KTP atau nama";
    ComplaintCustomer => "Customer", "Nasabah";
    ComplaintChannel => "Channel", "Saluran";
    ComplaintCategory => "Category", "Kategori";
    ComplaintPriority => "Priority", "Prioritas";
    ComplaintTicket => "Ticket it concerns", "Tiket terkait";
    ComplaintNoTicket => "No ticket", "Tanpa tiket";
    ComplaintPaymentCode => "Payment code it concerns (optional)", "Kode pembayaran terkait (opsional)";
    ComplaintNoPaymentCode => "No payment code on the case", "Tidak ada kode pembayaran pada kasus";
    ComplaintPaymentCodeInvalid => "A payment code has 8 letters and digits, e.g. ABCD-2345.", "Kode pembayaran terdiri dari 8 huruf dan angka, mis. ABCD-2345.";
    ComplaintPaymentCodeNotTheirs => "This payment code is not one of this customer's tickets.", "Kode pembayaran ini bukan milik tiket nasabah ini.";
    ComplaintDescription => "What the customer says", "Apa yang disampaikan nasabah";
    ComplaintDescriptionLength => "Describe the complaint in 1 to 2000 characters.", "Jelaskan keluhan dalam 1 sampai 2000 karakter.";
    ComplaintOwner => "Owner", "Penanggung jawab";
    ComplaintGiveOwner => "Give the case to this owner", "Serahkan kasus ke penanggung jawab ini";
    ComplaintState => "State", "Status";
    ComplaintOutcome => "Outcome", "Hasil";
    ComplaintOpenedAt => "Opened", "Dibuka";
    ComplaintTimeLeft => "Time left", "Sisa waktu";
    ComplaintSignedInByCode => "Opened by the customer, signed in by code", "Dibuka oleh nasabah, masuk dengan kode";
    ComplaintChoose => "Choose one of those offered.", "Pilih salah satu yang tersedia.";
    ComplaintClocks => "Service level", "Tingkat layanan";
    ComplaintFirstResponse => "First response", "Tanggapan pertama";
    ComplaintResponded => "given", "sudah diberikan";
    ComplaintResolution => "Resolution", "Penyelesaian";
    ClockLeft => "{time} left", "sisa {time}";
    ClockOver => "over by {time}", "lewat {time}";
    ClockPaused => "paused", "dijeda";
    SpanDays => "{d} d {h} h", "{d} hr {h} jam";
    SpanHours => "{h} h {m} min", "{h} jam {m} mnt";
    SpanMinutes => "{m} min", "{m} mnt";
    ComplaintChecklist => "Procedure", "Prosedur";
    ComplaintMarkDone => "Done", "Selesai";
    ComplaintStepDone => "done", "selesai";
    ComplaintStepRefused => "That step is not this case's, or is already done.", "Langkah itu bukan milik kasus ini, atau sudah selesai.";
    ComplaintSeeStatement => "the customer's tickets and what each owes", "tiket nasabah dan tagihan masing-masing";
    ComplaintCodePaid => "payment received", "pembayaran diterima";
    ComplaintCodeWaiting => "not received yet", "belum diterima";
    ComplaintCodeExpired => "not paid, no longer valid", "tidak dibayar, sudah tidak berlaku";
    ComplaintSendCode => "Send it by SMS to the registered number", "Kirim lewat SMS ke nomor terdaftar";
    ComplaintNoLiveCode => "The case has no payment code that can still be paid: make a new one for its ticket.", "Kasus tidak memiliki kode pembayaran yang masih berlaku: buat yang baru untuk tiketnya.";
    ComplaintNewCode => "Make a payment code for the ticket and send it by SMS", "Buat kode pembayaran untuk tiket ini dan kirim lewat SMS";
    ComplaintNoTicketForCode => "The case concerns no ticket: a payment code is made for a ticket.", "Kasus ini tidak terkait tiket: kode pembayaran dibuat untuk sebuah tiket.";
    ComplaintCodeInstallment => "An installment loan is paid by its schedule: it has no extension code.", "Pinjaman angsuran dibayar sesuai jadwalnya: tidak ada kode perpanjangan.";
    ComplaintPaymentCodeSms => "Your payment code for ticket {ticket}: {code}, {amount}. Check that it is yours before you pay.",
        "Kode pembayaran Anda untuk tiket {ticket}: {code}, {amount}. Pastikan kode ini milik Anda sebelum membayar.";
    ComplaintCodeSent => "Payment code sent by SMS.", "Kode pembayaran dikirim lewat SMS.";
    ComplaintTestSms => "Last test SMS", "SMS uji terakhir";
    ComplaintTestEmail => "Last test email", "Email uji terakhir";
    ComplaintNotSent => "none sent", "belum dikirim";
    ComplaintSendTests => "send them from the customer's file", "kirim dari data nasabah";
    ComplaintChangeState => "Change the state", "Ubah status";
    ComplaintNotAllowed => "The case cannot go to that state from where it is (or not by you).", "Kasus tidak dapat pindah ke status itu dari status sekarang (atau tidak oleh Anda).";
    ComplaintOutcomeNeeded => "Choose how the case ended to resolve it.", "Pilih hasil kasus untuk menyelesaikannya.";
    ComplaintNoteLength => "A note needs 1 to 2000 characters.", "Catatan perlu 1 sampai 2000 karakter.";
    ComplaintFiles => "Files", "Berkas";
    ComplaintNoFiles => "No files attached.", "Belum ada berkas terlampir.";
    ComplaintAttachLabel => "A photo or PDF (JPEG, PNG or PDF)", "Foto atau PDF (JPEG, PNG, atau PDF)";
    ComplaintAttach => "Attach", "Lampirkan";
    ComplaintPhotoLabel => "A photo (optional: JPEG, PNG or PDF)", "Foto (opsional: JPEG, PNG, atau PDF)";
    ComplaintFileEmpty => "Choose a file to attach; an empty file cannot be attached.", "Pilih berkas untuk dilampirkan; berkas kosong tidak dapat dilampirkan.";
    ComplaintFileTooLarge => "The file is too large to attach.", "Berkas terlalu besar untuk dilampirkan.";
    ComplaintFileType => "Only JPEG or PNG photos and PDF documents can be attached.", "Hanya foto JPEG atau PNG dan dokumen PDF yang dapat dilampirkan.";
    ComplaintClosedRefused => "The case is closed: nothing more can be recorded on it.", "Kasus sudah ditutup: tidak ada lagi yang dapat dicatat.";
    ComplaintEscalate => "Escalate", "Eskalasi";
    ComplaintEscalations => "Escalations", "Eskalasi";
    ComplaintToWhom => "To whom", "Kepada siapa";
    ComplaintCsManager => "CS manager", "CS manager";
    ComplaintReason => "Why", "Alasan";
    ComplaintContactBy => "Who contacts the customer", "Siapa yang menghubungi nasabah";
    ComplaintEscalationNeeds => "Give to whom, why, and who contacts the customer (each on one line, names up to 200 characters).", "Isi kepada siapa, alasannya, dan siapa yang menghubungi nasabah (masing-masing satu baris, nama paling banyak 200 karakter).";
    MyComplaints => "My complaints", "Keluhan saya";
    ComplaintFollow => "Follow this complaint", "Ikuti keluhan ini";
    ComplaintPortalIntro => "Tell us what went wrong. The branch answers within its service levels; you can follow your complaint here.",
        "Ceritakan apa yang salah. Cabang menjawab sesuai tingkat layanannya; Anda dapat mengikuti keluhan Anda di sini.";
    ComplaintPortalDescription => "Your complaint", "Keluhan Anda";
    ComplaintSend => "Send the complaint", "Kirim keluhan";
    ComplaintReceived => "Your complaint was received.", "Keluhan Anda sudah diterima.";
    ComplaintBreachResponse => "no first response within {hours} hours", "tidak ada tanggapan pertama dalam {hours} jam";
    ComplaintBreachResolution => "not resolved within {days} working days", "tidak selesai dalam {days} hari kerja";
    ComplaintBreachSms => "Complaint of {customer} ({category}) is late: {why}. It is escalated to you.",
        "Keluhan {customer} ({category}) terlambat: {why}. Kasus dieskalasi kepada Anda.";
    ComplaintBreachEmailSubject => "Complaint of {customer} is late", "Keluhan {customer} terlambat";
    ComplaintBreachEmail => "The complaint of {customer} ({category}) is late: {why}. It is escalated to you.\n\nThe case: {case}",
        "Keluhan {customer} ({category}) terlambat: {why}. Kasus dieskalasi kepada Anda.\n\nKasus: {case}";
    ComplaintOwnerContacts => "the case's owner", "penanggung jawab kasus";
    CardComplaints => "Complaints past their level", "Keluhan melewati tingkat layanan";
    CardComplaintsNone => "No complaint is past its service level.", "Tidak ada keluhan yang melewati tingkat layanan.";
    CardComplaintsOpen => "{n} case(s) not yet resolved.", "{n} kasus belum selesai.";
    WeeklyTitle => "Complaints of {from} to {to}", "Keluhan {from} sampai {to}";
    WeeklyNav => "Weekly evaluation", "Evaluasi mingguan";
    WeeklyWeekOf => "Week of", "Minggu dari";
    WeeklyPrint => "Printable version", "Versi cetak";
    WeeklyCsv => "The week's cases (CSV)", "Kasus minggu ini (CSV)";
    QuarterlyCsv => "This quarter's report (CSV)", "Laporan triwulan ini (CSV)";
    WeeklyReceived => "Cases received", "Kasus diterima";
    WeeklyMet => "Service level met", "Tingkat layanan terpenuhi";
    WeeklyBreached => "Service level breached", "Tingkat layanan dilanggar";
    WeeklyRunning => "Still running", "Masih berjalan";
    WeeklySpread => "median {median}, 90% within {p90}", "median {median}, 90% dalam {p90}";
    WeeklyRepeat => "Repeat complainants", "Pelapor berulang";
    WeeklyNoRepeat => "No customer complained more than once in 90 days.", "Tidak ada nasabah yang mengeluh lebih dari sekali dalam 90 hari.";
    WeeklyCases => "{n} cases in 90 days", "{n} kasus dalam 90 hari";
    WeeklyOpenOldest => "Unresolved cases, oldest first", "Kasus belum selesai, paling lama dulu";
    HolidaysTitle => "Holidays", "Hari libur";
    HolidaysExplained => "Days the branch does not work although they fall on a weekday. Complaint deadlines count working days: Monday to Friday, not these days.", "Hari cabang tidak bekerja walaupun jatuh pada hari kerja. Tenggat keluhan dihitung dalam hari kerja: Senin sampai Jumat, selain hari-hari ini.";
    HolidaysNone => "No holidays listed.", "Belum ada hari libur.";
    HolidayDate => "Date", "Tanggal";
    HolidayName => "Name", "Nama";
    HolidayAdd => "Add the holiday", "Tambah hari libur";
    HolidayAdded => "Holiday added.", "Hari libur ditambahkan.";
    HolidayRemove => "Remove", "Hapus";
    HolidayRemoved => "Holiday removed.", "Hari libur dihapus.";
    HolidayAlreadyListed => "This date is already a holiday.", "Tanggal ini sudah hari libur.";
    HolidayNameInvalid => "Give the holiday's name: 1 to 100 characters, on one line.", "Tulis nama hari libur: 1 sampai 100 karakter, dalam satu baris.";
    ChannelHotline => "Hotline", "Hotline";
    ChannelSocialMedia => "Social media", "Media sosial";
    ChannelLiveChat => "Live chat", "Live chat";
    ChannelEmail => "Email", "Email";
    ChannelCounter => "Counter", "Loket";
    ChannelPortal => "Portal", "Portal";
    CategoryBilling => "A · Billing", "A · Penagihan";
    CategoryDisbursement => "B · Loan disbursement", "B · Pencairan pinjaman";
    CategoryPaymentConfirmation => "C · Payment confirmation", "C · Konfirmasi pembayaran";
    CategoryPaymentMethod => "D · Payment method", "D · Metode pembayaran";
    CategoryOneTimeCode => "One-time code / login", "Kode sekali pakai / masuk";
    CategoryOther => "Other", "Lainnya";
    PriorityNormal => "Normal", "Biasa";
    PriorityHigh => "High", "Tinggi";
    StateOpen => "Open", "Terbuka";
    StateWaitingOnCustomer => "Waiting on the customer", "Menunggu nasabah";
    StateEscalated => "Escalated", "Dieskalasi";
    StateResolved => "Resolved", "Selesai";
    StateClosed => "Closed", "Ditutup";
    OutcomeUpheld => "Upheld: put right", "Diterima: diperbaiki";
    OutcomeExplained => "Explained: nothing was wrong", "Dijelaskan: tidak ada kesalahan";
    OutcomeRejected => "Not upheld", "Tidak diterima";
    OutcomeWithdrawn => "Withdrawn by the customer", "Dicabut oleh nasabah";
    ComplaintEventOpened => "Case opened", "Kasus dibuka";
    ComplaintEventState => "State changed", "Status diubah";
    ComplaintEventNote => "Note", "Catatan";
    ComplaintEventStep => "Step done", "Langkah selesai";
    ComplaintEventEscalated => "Escalated", "Dieskalasi";
    ComplaintEventOwner => "Owner changed", "Penanggung jawab diganti";
    ComplaintEventMessage => "Message", "Pesan";
    ComplaintEventDisbursement => "Payout", "Pencairan";
    ComplaintEventEmailCorrected => "Email address corrected", "Alamat email diperbaiki";
    StepVerifyCaller => "Verify the caller: phone number, KTP number or full name (2)",
        "Verifikasi penelepon: nomor telepon, nomor KTP atau nama lengkap (2)";
    StepA3 => "Find why the customer asks about the bill and help to resolve it (A.3)",
        "Identifikasi alasan pelanggan menanyakan penagihan dan bantu menyelesaikannya (A.3)";
    StepA4 => "Not resolved by CS: report to the CS manager at once (A.4)",
        "Tidak dapat diselesaikan CS: segera lapor ke customer service manager (A.4)";
    StepA5 => "CS manager coordinated with the department concerned (A.5)",
        "Customer service manager berkoordinasi dengan departemen terkait (A.5)";
    StepA6 => "The department told its team to contact the customer (A.6)",
        "Departemen menginformasikan timnya untuk menghubungi pelanggan (A.6)";
    StepReport => "Report of the problem written on this case", "Laporan permasalahan dibuat pada kasus ini";
    StepB2 => "Check the disbursement's state in the system (B.2)", "Cek status pencairan pinjaman di sistem (B.2)";
    StepB3 => "Under 2 hours: tell the customer it takes up to 2 hours (B.3)",
        "Kurang dari 2 jam: informasikan bahwa pencairan paling lama 2 jam (B.3)";
    StepB4 => "Over 2 hours: ask for the proof of the last transaction on the customer's bank account (B.4)",
        "Lebih dari 2 jam: minta bukti transaksi terakhir di rekening bank pelanggan (B.4)";
    StepB5 => "Report to the CS manager (B.5)", "Lapor ke CS manager (B.5)";
    StepB6 => "CS manager coordinated the analysis with the department concerned (B.6)",
        "CS manager berkoordinasi dengan departemen terkait untuk analisa (B.6)";
    StepB7 => "The disbursement failed: made again (B.7)", "Pencairan gagal: segera dilakukan ulang (B.7)";
    StepC3 => "Check the payment's state in the system (C.3)", "Cek status pembayaran pinjaman di sistem (C.3)";
    StepC4 => "Received: tell the customer to wait for the SMS to the registered number (C.4)",
        "Sudah diterima: beri tahu pelanggan untuk menunggu SMS ke nomor terdaftar (C.4)";
    StepC5 => "Not received 2 hours after paying: report to the CS manager (C.5)",
        "Belum diterima lewat dua jam setelah membayar: lapor ke customer service manager (C.5)";
    StepC6 => "CS manager coordinated with the department concerned (C.6)",
        "Customer service manager berkoordinasi dengan departemen terkait (C.6)";
    StepC8 => "Still not received: the department and CS manager checked with the bank (C.8)",
        "Tetap belum diterima: departemen terkait dan CS manager mengecek ke bank terkait (C.8)";
    StepD3 => "The customer can use the app: directed to its payment code feature (D.3)",
        "Pelanggan dapat mengakses aplikasi: diarahkan ke fitur kode pembayaran (D.3)";
    StepD4 => "Payment code given, with the warning: check it is the customer's own before paying; the risk is the customer's (D.4)",
        "Kode pembayaran diberikan, dengan catatan: cek bahwa kode itu milik pelanggan sebelum membayar; risikonya ditanggung pelanggan (D.4)";
    StepOtpBothChannels => "First level: the customer tried the code by SMS and by email",
        "Tingkat pertama: pelanggan sudah mencoba kode lewat SMS dan email";
    StepOtpSpam => "First level: the customer checked the spam folder", "Tingkat pertama: pelanggan sudah memeriksa folder spam";
    StepOtpReviewEmail => "Second level: the email address reviewed (only an allowed typo corrected, nothing else)",
        "Tingkat kedua: alamat email diperiksa (hanya salah ketik yang diizinkan yang diperbaiki, tidak ada yang lain)";
    EmailTypoTitle => "Typos staff may correct", "Salah ketik yang boleh diperbaiki staf";
    EmailTypoIntro => "Only one of these corrections may be made to the customer's email address on their behalf; nothing else.",
        "Hanya satu dari perbaikan ini yang boleh dilakukan pada alamat email nasabah atas nama mereka; tidak ada yang lain.";
    EmailTypoWrong => "Typed", "Tertulis";
    EmailTypoRight => "Corrected to", "Diperbaiki menjadi";
    EmailTypoTrailingDot => "a dot at the end", "titik di akhir";
    EmailTypoSpaces => "spaces", "spasi";
    EmailTypoComma => "a comma for a dot", "koma sebagai ganti titik";
    EmailTypoNothing => "nothing", "tidak ada";
    EmailTypoNewAddress => "Corrected email address", "Alamat email yang diperbaiki";
    EmailTypoCorrect => "Correct the typo", "Perbaiki salah ketik";
    EmailTypoCorrected => "The email address was corrected: {from} → {to}.", "Alamat email diperbaiki: {from} → {to}.";
    EmailTypoRefused => "Not an allowed correction: the new address must be the old one with exactly one typo of the table corrected. Anything else the customer changes in the portal.",
        "Bukan perbaikan yang diizinkan: alamat baru harus alamat lama dengan tepat satu salah ketik dari tabel yang diperbaiki. Perubahan lain dilakukan nasabah sendiri di portal.";
    EmailTypoNoEmail => "The customer has no email address to correct.", "Nasabah tidak memiliki alamat email untuk diperbaiki.";
    StepOtpTestMessages => "Second level: a test SMS and a test email sent, their delivery checked",
        "Tingkat kedua: SMS uji dan email uji dikirim, pengirimannya diperiksa";
    StepOtpCannotChange => "Not received: told the phone or email cannot be changed by CS; escalated to the team leader",
        "Tidak diterima: diberi tahu bahwa CS tidak dapat mengubah telepon atau email; dieskalasi ke team leader";
    StepOtpTeamLeader => "Team leader decided: product team or operations", "Team leader memutuskan: tim produk atau operasional";

    EventEmailChanged => "Email address changed", "Alamat email diubah";
    ContactChangeLink => "Change phone or email", "Ubah telepon atau email";
    ContactChangeTitle => "Phone and email of {name}", "Telepon dan email {name}";
    ContactChangeIntro => "A changed phone number or email address is unverified until a code proves it. The customer is told by SMS at the current number.", "Nomor telepon atau alamat email yang diubah belum terverifikasi sampai dibuktikan dengan kode. Nasabah diberi tahu lewat SMS ke nomor saat ini.";
    ContactChangeReason => "Reason for the change", "Alasan perubahan";
    ContactChangeReasonHint => "E.g. customer lost the old SIM; ID card seen.", "Mis. nasabah kehilangan SIM lama; KTP sudah dilihat.";
    ContactChangeReasonInvalid => "Give the reason (3 to 300 characters).", "Tuliskan alasannya (3 sampai 300 karakter).";
    ContactPhoneTaken => "Another customer has this phone number: look for a duplicate record.", "Nasabah lain memakai nomor ini: periksa kemungkinan data ganda.";
    ContactUnchanged => "Nothing changed.", "Tidak ada yang berubah.";
    ContactChanged => "Contact details changed; the customer was told by SMS.", "Data kontak diubah; nasabah diberi tahu lewat SMS.";
    ContactChangedPhone => "phone number", "nomor telepon";
    ContactChangedEmail => "email address", "alamat email";
    ContactChangedBoth => "phone number and email address", "nomor telepon dan alamat email";
    ContactChangedSms => "{branch}: the {what} on your account was changed at the branch. If you did not ask for this, call or visit the branch.", "{branch}: {what} di akun Anda telah diubah di cabang. Jika Anda tidak memintanya, hubungi atau datangi cabang.";
    EditCreated => "Record created", "Data dibuat";
    EditContactChanged => "Phone or email changed", "Telepon atau email diubah";
    EditContactAdded => "Contact added", "Kontak ditambahkan";
    EditContactRemoved => "Contact removed", "Kontak dihapus";
    EditContactEdited => "Contact changed", "Kontak diubah";
    EditOther => "Record changed", "Data diubah";

    // Sync to head office.
    SyncTitle => "Sync", "Sinkronisasi";
    SyncNotConfigured => "No head office address set: changes are kept here.", "Alamat kantor pusat belum diatur: perubahan disimpan di sini.";
    SyncNotConfiguredLong => "No head office address is configured ([sync] url). Every change is kept in this branch's log and will be uploaded once it is set.", "Alamat kantor pusat belum diatur ([sync] url). Setiap perubahan disimpan di log cabang ini dan akan diunggah setelah alamat diatur.";
    SyncFailing => "Head office cannot be reached; uploads will be retried.", "Kantor pusat tidak dapat dihubungi; unggahan akan dicoba lagi.";
    SyncWaitingCount => "{n} changes waiting to be uploaded", "{n} perubahan menunggu diunggah";
    SyncHeadOffice => "Head office", "Kantor pusat";
    SyncLastSuccess => "Last successful upload", "Unggahan terakhir yang berhasil";
    SyncWaiting => "Changes waiting", "Perubahan menunggu";
    SyncOldestWaiting => "Oldest waiting change", "Perubahan menunggu terlama";
    SyncSequence => "Acknowledged / written", "Diterima / ditulis";
    SyncBatchSize => "Changes per upload", "Perubahan per unggahan";
    SyncBatchSizeValue => "{n} (at most {max}; fewer while the link is slow)", "{n} (paling banyak {max}; lebih sedikit selama koneksi lambat)";
    SyncNever => "Never", "Belum pernah";
    SyncUploadNow => "Upload now", "Unggah sekarang";
    SyncUploadStarted => "Upload started.", "Unggahan dimulai.";
    SyncSetAside => "Set aside by head office", "Disisihkan oleh kantor pusat";
    SyncSetAsideNone => "Head office has accepted every record.", "Kantor pusat telah menerima semua data.";
    SyncSetAsideExplain => "Head office stored these changes but could not apply them; the rest flowed on. Tell head office IT.", "Kantor pusat menyimpan perubahan ini tetapi tidak dapat menerapkannya; yang lain tetap berjalan. Beri tahu TI kantor pusat.";
    SyncReason => "Reason", "Alasan";
    AgeMinutes => "{n} min ago", "{n} menit lalu";
    AgeHours => "{n} h ago", "{n} jam lalu";
    AgeDays => "{n} days ago", "{n} hari lalu";
    RefTitle => "Reference data from head office", "Data acuan dari kantor pusat";
    RefVersion => "Version held", "Versi yang dimiliki";
    RefVersionValue => "{version}, published {when} ({age})", "{version}, diterbitkan {when} ({age})";
    RefNone => "None received yet: the branch works with its own products, prices and texts.", "Belum ada yang diterima: cabang bekerja dengan produk, harga dan teks sendiri.";
    RefReceived => "Received", "Diterima";
    RefAcked => "Confirmed to head office", "Dikonfirmasi ke kantor pusat";
    RefNotAcked => "Not yet: confirmed at the next contact.", "Belum: dikonfirmasi pada kontak berikutnya.";
    RefLastChecked => "Last asked head office", "Terakhir menanyakan kantor pusat";
    RefWatched => "Watch list entries", "Entri daftar pantauan";
    RefGoldNote => "Head office reference data, version {version}", "Data acuan kantor pusat, versi {version}";
    RefSerialNumber => "Serial number", "Nomor seri";
    RefWatchRefused => "Not written: on head office's watch list ({entries}). Keep the item and the ID card if you safely can, and tell the manager.", "Tidak ditulis: ada di daftar pantauan kantor pusat ({entries}). Tahan barang dan KTP jika aman, dan beri tahu manajer.";
    RefProductsNotAllowed => "Head office does not allow this branch its own products: it offers head office's only.", "Kantor pusat tidak mengizinkan cabang ini memiliki produk sendiri: hanya produk kantor pusat yang ditawarkan.";
    RefGoldFromHeadOffice => "Head office sets the gold reference price for every branch: it arrives with the reference data (see Sync).", "Kantor pusat menetapkan harga acuan emas untuk semua cabang: harga datang bersama data acuan (lihat Sinkronisasi).";
    RefProductFromHeadOffice => "This product is head office's: it is changed at head office and reaches the branch with the reference data.", "Produk ini milik kantor pusat: diubah di kantor pusat dan sampai ke cabang bersama data acuan.";
    RefBadProductCode => "The product code must be 1 to 20 letters, digits or dashes, and not used twice.", "Kode produk harus 1 sampai 20 huruf, angka atau tanda hubung, dan tidak dipakai dua kali.";
    RefDuplicateProduct => "This product code is already used.", "Kode produk ini sudah dipakai.";
    RefBadReminder => "Choose a reminder and a language from the lists.", "Pilih pengingat dan bahasa dari daftar.";
    RefBadHoliday => "Give the date as YYYY-MM-DD and a name of at most 100 characters on one line; each day once.", "Tulis tanggal dengan format YYYY-MM-DD dan nama paling banyak 100 karakter dalam satu baris; setiap hari sekali.";
    RefBadWatched => "Give the number (letters and digits, at most 64) and a reason of at most 200 characters on one line.", "Masukkan nomor (huruf dan angka, paling banyak 64) dan alasan paling banyak 200 karakter dalam satu baris.";

    // Head office.
    HqTitle => "Head office", "Kantor pusat";
    HqBranches => "Branches", "Cabang";
    HqBranch => "Branch", "Cabang";
    HqNoBranches => "No branch is registered yet: `pawnbranch hq branch add CODE NAME`.", "Belum ada cabang terdaftar: `pawnbranch hq branch add KODE NAMA`.";
    HqEntriesReceived => "Changes received", "Perubahan diterima";
    HqLag => "Waiting at the branch", "Menunggu di cabang";
    HqWaitingSince => "oldest from {when}", "terlama sejak {when}";
    HqOpenTickets => "Open tickets", "Gadai aktif";
    HqOutstanding => "Outstanding principal", "Sisa pokok pinjaman";
    HqAllBranches => "All branches", "Semua cabang";
    HqRevoked => "revoked", "dicabut";
    HqSchema => "Schema version", "Versi skema";
    HqCustomerSearch => "Customers", "Nasabah";
    HqSearchLabel => "Phone number, ID number or name", "Nomor telepon, nomor KTP atau nama";
    HqSearch => "Search", "Cari";
    HqNoCustomers => "No customer found at any branch.", "Tidak ada nasabah ditemukan di cabang mana pun.";
    HqReports => "Reports", "Laporan";
    HqReportsExplained => "Figures of the whole chain from what the branches have uploaded, with each branch's share. Each report downloads as CSV.", "Angka seluruh jaringan dari data yang sudah diunggah cabang, beserta bagian setiap cabang. Setiap laporan dapat diunduh sebagai CSV.";
    HqReportOutstanding => "Outstanding loans", "Pinjaman beredar";
    HqReportCollections => "Collections and redemptions", "Penerimaan dan penebusan";
    HqReportForfeits => "Forfeits and disposals", "Gagal tebus dan penjualan barang";
    HqReportComplaints => "Complaints and SLA", "Pengaduan dan SLA";
    HqReportSms => "SMS delivery", "Pengiriman SMS";
    HqReportCsv => "Download as CSV", "Unduh sebagai CSV";
    HqWeeks => "Weeks shown", "Jumlah minggu";
    HqWeeksShow => "Show", "Tampilkan";
    HqWeeksBad => "Weeks shown must be a whole number from 1 to 104.", "Jumlah minggu harus bilangan bulat dari 1 sampai 104.";
    HqWholeChain => "Whole chain", "Seluruh jaringan";
    HqByBranch => "By branch", "Per cabang";
    HqTotal => "Total", "Jumlah";
    HqNothingCounted => "Nothing to count yet.", "Belum ada yang dihitung.";
    HqProduct => "Product", "Produk";
    HqWeek => "Week of", "Minggu mulai";
    HqCategory => "Category", "Kategori";
    HqMessageKind => "Message kind", "Jenis pesan";
    HqCollected => "Collected", "Diterima";
    HqPayments => "Payments", "Pembayaran";
    HqRedemptions => "Redemptions", "Penebusan";
    HqForfeits => "Forfeits", "Gagal tebus";
    HqForfeitedPrincipal => "Principal forfeited", "Pokok gagal tebus";
    HqMovedToSale => "Into sale stock", "Masuk stok jual";
    HqSold => "Sold", "Terjual";
    HqSaleProceeds => "Sale proceeds", "Hasil penjualan";
    HqSlaMet => "SLA met", "SLA terpenuhi";
    HqSlaBreached => "SLA breached", "SLA terlewati";
    HqSlaOpen => "Open, in time", "Terbuka, masih tepat waktu";
    HqSmsSent => "Sent", "Terkirim";
    HqSmsDelivered => "Delivered", "Sampai";
    HqSmsFailed => "Failed", "Gagal";
    HqSmsShare => "Share delivered", "Persentase sampai";
    HqBranchHead => "Branch's last change (at its last upload)", "Perubahan terakhir cabang (saat unggahan terakhir)";
    HqOldestWaiting => "Oldest change waiting", "Perubahan terlama yang menunggu";
    HqRefusedNotKept => "Batches head office refused are not recorded here: the branch's Sync page shows its last refusal.", "Batch yang ditolak kantor pusat tidak dicatat di sini: halaman Sinkronisasi cabang menampilkan penolakan terakhirnya.";
    HqBranchFigures => "This branch's figures", "Angka cabang ini";
    HqSignIn => "Head office sign-in", "Masuk kantor pusat";
    HqReference => "Reference data", "Data acuan";
    HqRefExplained => "What every branch receives at its next contact and keeps working with offline: loan products, the gold reference price, reminder texts, holidays and the watch list. Changes are a draft until published as the next version.",
        "Yang diterima setiap cabang pada kontak berikutnya dan tetap dipakai saat offline: produk pinjaman, harga acuan emas, teks pengingat, hari libur dan daftar pantauan. Perubahan berupa draf sampai diterbitkan sebagai versi berikutnya.";
    HqRefViewerOnly => "Only head office managers edit and publish the reference data.", "Hanya manajer kantor pusat yang mengubah dan menerbitkan data acuan.";
    HqRefPublished => "Version {version} published {when}.", "Versi {version} diterbitkan {when}.";
    HqRefNothingPublished => "Nothing published yet: branches work with their own data.", "Belum ada yang diterbitkan: cabang bekerja dengan data sendiri.";
    HqRefDraftChanged => "The draft has changes not yet published.", "Draf memiliki perubahan yang belum diterbitkan.";
    HqRefPublish => "Publish as version {version}", "Terbitkan sebagai versi {version}";
    HqRefBranchProducts => "Branches may keep their own products", "Cabang boleh memiliki produk sendiri";
    HqRefAllowed => "Allowed", "Diizinkan";
    HqRefNotAllowed => "Not allowed: branches offer only head office's products.", "Tidak diizinkan: cabang hanya menawarkan produk kantor pusat.";
    HqRefProducts => "Loan products", "Produk pinjaman";
    HqRefCode => "Code", "Kode";
    HqRefTerms => "Terms (JSON, as branches store them)", "Ketentuan (JSON, seperti disimpan cabang)";
    HqRefSaveProduct => "Save the product", "Simpan produk";
    HqRefRemove => "Remove", "Hapus";
    HqRefGold => "Gold reference price", "Harga acuan emas";
    HqRefNoGold => "None: branches keep the price they have.", "Tidak ada: cabang memakai harga yang dimiliki.";
    HqRefReminders => "Reminder texts", "Teks pengingat";
    HqRefEvent => "Reminder", "Pengingat";
    HqRefLanguage => "Language", "Bahasa";
    HqRefText => "Text", "Teks";
    HqRefHolidays => "Holidays", "Hari libur";
    HqRefDate => "Date", "Tanggal";
    HqRefName => "Name", "Nama";
    HqRefWatchList => "Watch list", "Daftar pantauan";
    HqRefWatchExplained => "ID numbers and item serial numbers reported stolen or fraudulent: a branch refuses a ticket for them.", "Nomor KTP dan nomor seri barang yang dilaporkan dicuri atau palsu: cabang menolak tiket untuk nomor ini.";
    HqRefKind => "Kind", "Jenis";
    HqRefNumber => "Number", "Nomor";
    HqRefAcks => "Version applied at each branch", "Versi yang diterapkan di setiap cabang";
    HqRefAckedVersion => "Version", "Versi";

    // Duplicate records (issue 7).
    DuplicatesTitle => "Possible duplicates", "Kemungkinan data ganda";
    DuplicatesIntro => "Records that may be the same person: the same phone number, the same ID number, or a similar name with the same date of birth. Merge them, or mark them as not a duplicate.",
        "Data yang mungkin orang yang sama: nomor telepon sama, nomor identitas sama, atau nama mirip dengan tanggal lahir sama. Gabungkan, atau tandai bukan data ganda.";
    DuplicatesNone => "No possible duplicates.", "Tidak ada kemungkinan data ganda.";
    DuplicatesShown => "Showing {shown} of {total} pairs.", "Menampilkan {shown} dari {total} pasangan.";
    DuplicateSamePhone => "Same phone number", "Nomor telepon sama";
    DuplicateSameIdNumber => "Same ID number", "Nomor identitas sama";
    DuplicateSimilarName => "Similar name, same date of birth", "Nama mirip, tanggal lahir sama";
    DuplicateWarning => "This may be the same person as {name}: {reasons}.", "Data ini mungkin orang yang sama dengan {name}: {reasons}.";
    DuplicateResolve => "Resolve", "Selesaikan";
    DuplicateCompare => "Compare and merge", "Bandingkan dan gabungkan";
    NotADuplicate => "Not a duplicate", "Bukan data ganda";
    DuplicateDismissed => "Marked as not a duplicate.", "Ditandai bukan data ganda.";
    MergeTitle => "Merge two records", "Gabungkan dua data";
    MergeIntro => "Choose the record that stays and, for each field, the value to keep. The other record's loans, notes, contacts and messages move to the record that stays; its history is shown there, and it becomes an alias that leads to it (its phone number still logs in).",
        "Pilih data yang dipertahankan dan, untuk setiap isian, nilai yang disimpan. Gadai, catatan, kontak, dan pesan data lainnya pindah ke data yang dipertahankan; riwayatnya ditampilkan di sana, dan data itu menjadi alias yang mengarah ke sana (nomor teleponnya tetap bisa dipakai masuk).";
    MergeField => "Field", "Isian";
    MergeStays => "This record stays", "Data ini dipertahankan";
    MergeLoans => "Loans", "Gadai";
    MergeButton => "Merge", "Gabungkan";
    MergeDone => "Records merged.", "Data digabungkan.";
    MergeSameRecord => "A record cannot be merged with itself.", "Data tidak dapat digabungkan dengan dirinya sendiri.";
    MergeAlreadyMerged => "One of these records was already merged into another record; open that record instead.",
        "Salah satu data ini sudah digabungkan ke data lain; buka data tersebut.";
    MergePhoneTaken => "The other record's phone number is also a third record's: keep this record's number, or resolve that pair first.",
        "Nomor telepon data yang lain juga dipakai data ketiga: pertahankan nomor data ini, atau selesaikan pasangan itu dulu.";
    MergeBadChoice => "Choose the record that stays, and each value from one of the two records.",
        "Pilih data yang dipertahankan, dan setiap nilai dari salah satu dari dua data.";
    EventMerged => "Another record merged into this one", "Data lain digabungkan ke data ini";
    EventInfoApproved => "Information approved by the call centre", "Data disetujui oleh call centre";
    EventDoNotContact => "Marked do not contact", "Ditandai jangan dihubungi";
    EventDoNotContactCleared => "Do not contact cleared", "Tanda jangan dihubungi dihapus";
    Email => "Email", "Email";

    // Audit log.
    AuditTitle => "Audit log", "Log audit";
    AuditWhen => "When", "Waktu";
    AuditWho => "Who", "Siapa";
    AuditSystem => "System", "Sistem";
    AuditCommandLine => "Command line", "Baris perintah";
    AuditCustomerPortal => "Customer (portal)", "Nasabah (portal)";
    AuditCustomerSms => "Customer (SMS)", "Nasabah (SMS)";
    AuditAction => "Action", "Tindakan";
    AuditRecord => "Record", "Data";
    AuditBefore => "Before", "Sebelum";
    AuditAfter => "After", "Sesudah";
    AuditEmpty => "Nothing has been recorded yet.", "Belum ada yang tercatat.";
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn placeholders_are_filled_once_and_values_are_never_read_for_placeholders() {
        let values = [("name", "Siti {amount}"), ("amount", "Rp 1.000")];
        assert_eq!(
            fill_in("{name} owes {amount}; {amount} by {day}.", &values),
            "Siti {amount} owes Rp 1.000; Rp 1.000 by {day}."
        );
        assert_eq!(fill_in("{{name}} {", &values), "{Siti {amount}} {");
        assert_eq!(fill_in("", &values), "");
        assert_eq!(fill_in("no braces", &[]), "no braces");
    }

    #[test]
    fn every_message_has_both_texts() {
        for msg in Msg::ALL {
            for lang in Lang::ALL {
                assert!(
                    !msg.text(lang).trim().is_empty(),
                    "{msg:?} is empty in {lang:?}"
                );
            }
        }
    }

    #[test]
    fn placeholders_match_between_languages() {
        let names = |text: &str| {
            let mut names: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|part| part.split_once('}').map(|(n, _)| n.to_owned()))
                .collect();
            names.sort();
            names
        };
        for msg in Msg::ALL {
            assert_eq!(
                names(msg.text(Lang::En)),
                names(msg.text(Lang::Id)),
                "{msg:?}"
            );
        }
    }

    #[test]
    fn counts_and_labels_follow_the_number() {
        assert_eq!(Lang::En.days(1), "1 day");
        assert_eq!(Lang::En.days(365), "365 days");
        assert_eq!(Lang::Id.days(1), "1 hari");
        assert_eq!(Lang::Id.days(365), "365 hari");
        assert_eq!(Lang::En.label_for(1, Msg::Item, Msg::Items), "Item");
        assert_eq!(Lang::En.label_for(2, Msg::Item, Msg::Items), "Items");
        assert_eq!(Lang::En.label_for(0, Msg::Item, Msg::Items), "Items");
        assert_eq!(Lang::Id.label_for(3, Msg::Item, Msg::Items), "Barang");
    }

    #[test]
    fn words_leave_out_placeholders_and_single_letters() {
        let found: Vec<String> = words("Due {date}: 1 item, a Ring's").collect();
        assert_eq!(found, ["due", "item", "ring"]);
        let only = english_only_words();
        assert!(only.contains("previous"));
        assert!(!only.contains("pawnbranch"), "the same in both languages");
    }

    #[test]
    fn dates_in_the_readers_style() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(Lang::Id.date(day), "1 Des 2026");
        assert_eq!(Lang::En.date(day), "1 Dec 2026");
        let may = NaiveDate::from_ymd_opt(2027, 5, 31).unwrap();
        assert_eq!(Lang::Id.date(may), "31 Mei 2027");
        assert_eq!(Lang::En.date(may), "31 May 2027");
        let wib = FixedOffset::east_opt(7 * 3600).unwrap();
        let at = DateTime::from_timestamp(1_796_129_580, 0)
            .unwrap()
            .with_timezone(&wib);
        assert_eq!(Lang::Id.datetime(at), "1 Des 2026 19:53");
        assert_eq!(Lang::En.datetime(at), "1 Dec 2026 19:53");
    }

    #[test]
    fn fill_replaces_placeholders() {
        assert_eq!(
            Lang::En.fill(Msg::StaffCreated, &[("name", "Ani")]),
            "Staff member Ani added."
        );
        assert_eq!(
            Lang::Id.fill(Msg::StaffCreated, &[("name", "Ani")]),
            "Staf Ani ditambahkan."
        );
    }
}
