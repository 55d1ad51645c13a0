//! ISO reference tables: ISO 3166-1 alpha-2 countries and ISO 4217 currencies.
//!
//! The branch server needs these in two places: phone numbers are normalised
//! to E.164 using a country's calling code and trunk prefix (see
//! `crate::plumbing::phone`), and money amounts are stored in minor units, so every
//! currency needs its ISO 4217 minor-unit exponent. The tables are compiled in
//! so that a branch with no network still knows them.
//!
//! Sources: country codes and English short names follow ISO 3166-1 as
//! published in Debian's `iso-codes` package; calling codes and trunk
//! prefixes follow ITU-T E.164 assignments as recorded in Google's
//! libphonenumber metadata (the few territories libphonenumber omits use the
//! code of the network that serves them, for example Pitcairn uses New
//! Zealand's "64"). Currencies follow ISO 4217 list one, with the amendments
//! in force on 1 January 2026: XCG replaced ANG and the euro replaced BGN.

/// One ISO 3166-1 country or territory and how its phone numbers are dialled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Country {
    /// The ISO 3166-1 alpha-2 code, for example "ID".
    pub(crate) code: &'static str,
    /// The English short name, for example "Indonesia".
    pub(crate) name: &'static str,
    /// The ITU-T E.164 country calling code without the "+", for example "62".
    ///
    /// Several territories share a code: "1" covers the whole North American
    /// Numbering Plan and "44" covers the United Kingdom and the Crown
    /// Dependencies. No calling code in the table is a prefix of another.
    pub(crate) calling_code: &'static str,
    /// The trunk prefix dialled before a national number inside the country.
    ///
    /// This is "0" in most countries, "1" in the North American Numbering
    /// Plan, "8" in Russia, "80" in Belarus and "06" in Hungary, and "" where
    /// there is none, as in Italy or Singapore.
    pub(crate) trunk_prefix: &'static str,
}

/// One active ISO 4217 currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Currency {
    /// The ISO 4217 alphabetic code, for example "IDR".
    pub(crate) code: &'static str,
    /// The English name as ISO 4217 gives it, for example "Rupiah".
    pub(crate) name: &'static str,
    /// The number of decimal places of the minor unit, as ISO 4217 gives it.
    ///
    /// This is the official value even where practice differs: ISO 4217 lists
    /// the rupiah (IDR) with an exponent of 2 although prices in Indonesia are
    /// quoted in whole rupiah, so callers that want whole-rupiah amounts must
    /// decide that themselves.
    pub(crate) exponent: u8,
}

/// Looks up a country by its ISO 3166-1 alpha-2 code.
///
/// The match is exact and case-sensitive: "ID" is found and "id" is not.
pub(crate) fn country(code: &str) -> Option<&'static Country> {
    COUNTRIES
        .binary_search_by(|entry| entry.code.cmp(code))
        .ok()
        .and_then(|index| COUNTRIES.get(index))
}

/// Returns every country in the table, sorted by alpha-2 code.
pub(crate) fn countries() -> &'static [Country] {
    COUNTRIES
}

/// Looks up an active currency by its ISO 4217 alphabetic code.
///
/// The match is exact and case-sensitive: "IDR" is found and "idr" is not.
pub(crate) fn currency(code: &str) -> Option<&'static Currency> {
    CURRENCIES
        .binary_search_by(|entry| entry.code.cmp(code))
        .ok()
        .and_then(|index| CURRENCIES.get(index))
}

/// Builds a table row; it keeps each row of `COUNTRIES` on one line.
const fn c(
    code: &'static str,
    calling_code: &'static str,
    trunk_prefix: &'static str,
    name: &'static str,
) -> Country {
    Country {
        code,
        name,
        calling_code,
        trunk_prefix,
    }
}

/// Builds a table row; it keeps each row of `CURRENCIES` on one line.
const fn m(code: &'static str, exponent: u8, name: &'static str) -> Currency {
    Currency {
        code,
        name,
        exponent,
    }
}

/// All 249 officially assigned ISO 3166-1 alpha-2 codes, sorted by code.
///
/// Each row is code, calling code, trunk prefix and English short name.
/// Lookups binary-search this table, so it must stay sorted; a test checks it.
static COUNTRIES: &[Country] = &[
    c("AD", "376", "", "Andorra"),
    c("AE", "971", "0", "United Arab Emirates"),
    c("AF", "93", "0", "Afghanistan"),
    c("AG", "1", "1", "Antigua and Barbuda"),
    c("AI", "1", "1", "Anguilla"),
    c("AL", "355", "0", "Albania"),
    c("AM", "374", "0", "Armenia"),
    c("AO", "244", "", "Angola"),
    c("AQ", "672", "", "Antarctica"),
    c("AR", "54", "0", "Argentina"),
    c("AS", "1", "1", "American Samoa"),
    c("AT", "43", "0", "Austria"),
    c("AU", "61", "0", "Australia"),
    c("AW", "297", "", "Aruba"),
    c("AX", "358", "0", "Åland Islands"),
    c("AZ", "994", "0", "Azerbaijan"),
    c("BA", "387", "0", "Bosnia and Herzegovina"),
    c("BB", "1", "1", "Barbados"),
    c("BD", "880", "0", "Bangladesh"),
    c("BE", "32", "0", "Belgium"),
    c("BF", "226", "", "Burkina Faso"),
    c("BG", "359", "0", "Bulgaria"),
    c("BH", "973", "", "Bahrain"),
    c("BI", "257", "", "Burundi"),
    c("BJ", "229", "", "Benin"),
    c("BL", "590", "0", "Saint Barthélemy"),
    c("BM", "1", "1", "Bermuda"),
    c("BN", "673", "", "Brunei Darussalam"),
    c("BO", "591", "0", "Bolivia, Plurinational State of"),
    c("BQ", "599", "", "Bonaire, Sint Eustatius and Saba"),
    c("BR", "55", "0", "Brazil"),
    c("BS", "1", "1", "Bahamas"),
    c("BT", "975", "", "Bhutan"),
    c("BV", "47", "", "Bouvet Island"),
    c("BW", "267", "", "Botswana"),
    // Belarus dials "8 0" before area and operator codes, so "80" is the
    // whole trunk prefix here, as libphonenumber parses it.
    c("BY", "375", "80", "Belarus"),
    c("BZ", "501", "", "Belize"),
    c("CA", "1", "1", "Canada"),
    c("CC", "61", "0", "Cocos (Keeling) Islands"),
    c("CD", "243", "0", "Congo, The Democratic Republic of the"),
    c("CF", "236", "", "Central African Republic"),
    c("CG", "242", "", "Congo"),
    c("CH", "41", "0", "Switzerland"),
    c("CI", "225", "", "Côte d'Ivoire"),
    c("CK", "682", "", "Cook Islands"),
    c("CL", "56", "", "Chile"),
    c("CM", "237", "", "Cameroon"),
    c("CN", "86", "0", "China"),
    c("CO", "57", "0", "Colombia"),
    c("CR", "506", "", "Costa Rica"),
    c("CU", "53", "0", "Cuba"),
    c("CV", "238", "", "Cabo Verde"),
    c("CW", "599", "", "Curaçao"),
    c("CX", "61", "0", "Christmas Island"),
    c("CY", "357", "", "Cyprus"),
    c("CZ", "420", "", "Czechia"),
    c("DE", "49", "0", "Germany"),
    c("DJ", "253", "", "Djibouti"),
    c("DK", "45", "", "Denmark"),
    c("DM", "1", "1", "Dominica"),
    c("DO", "1", "1", "Dominican Republic"),
    c("DZ", "213", "0", "Algeria"),
    c("EC", "593", "0", "Ecuador"),
    c("EE", "372", "", "Estonia"),
    c("EG", "20", "0", "Egypt"),
    c("EH", "212", "0", "Western Sahara"),
    c("ER", "291", "0", "Eritrea"),
    c("ES", "34", "", "Spain"),
    c("ET", "251", "0", "Ethiopia"),
    c("FI", "358", "0", "Finland"),
    c("FJ", "679", "", "Fiji"),
    c("FK", "500", "", "Falkland Islands (Malvinas)"),
    c("FM", "691", "", "Micronesia, Federated States of"),
    c("FO", "298", "", "Faroe Islands"),
    c("FR", "33", "0", "France"),
    c("GA", "241", "", "Gabon"),
    c("GB", "44", "0", "United Kingdom"),
    c("GD", "1", "1", "Grenada"),
    c("GE", "995", "0", "Georgia"),
    c("GF", "594", "0", "French Guiana"),
    c("GG", "44", "0", "Guernsey"),
    c("GH", "233", "0", "Ghana"),
    c("GI", "350", "", "Gibraltar"),
    c("GL", "299", "", "Greenland"),
    c("GM", "220", "", "Gambia"),
    c("GN", "224", "", "Guinea"),
    c("GP", "590", "0", "Guadeloupe"),
    c("GQ", "240", "", "Equatorial Guinea"),
    c("GR", "30", "", "Greece"),
    c(
        "GS",
        "500",
        "",
        "South Georgia and the South Sandwich Islands",
    ),
    c("GT", "502", "", "Guatemala"),
    c("GU", "1", "1", "Guam"),
    c("GW", "245", "", "Guinea-Bissau"),
    c("GY", "592", "", "Guyana"),
    c("HK", "852", "", "Hong Kong"),
    c("HM", "672", "", "Heard Island and McDonald Islands"),
    c("HN", "504", "", "Honduras"),
    c("HR", "385", "0", "Croatia"),
    c("HT", "509", "", "Haiti"),
    c("HU", "36", "06", "Hungary"),
    c("ID", "62", "0", "Indonesia"),
    c("IE", "353", "0", "Ireland"),
    c("IL", "972", "0", "Israel"),
    c("IM", "44", "0", "Isle of Man"),
    c("IN", "91", "0", "India"),
    c("IO", "246", "", "British Indian Ocean Territory"),
    c("IQ", "964", "0", "Iraq"),
    c("IR", "98", "0", "Iran, Islamic Republic of"),
    c("IS", "354", "", "Iceland"),
    c("IT", "39", "", "Italy"),
    c("JE", "44", "0", "Jersey"),
    c("JM", "1", "1", "Jamaica"),
    c("JO", "962", "0", "Jordan"),
    c("JP", "81", "0", "Japan"),
    c("KE", "254", "0", "Kenya"),
    c("KG", "996", "0", "Kyrgyzstan"),
    c("KH", "855", "0", "Cambodia"),
    c("KI", "686", "0", "Kiribati"),
    c("KM", "269", "", "Comoros"),
    c("KN", "1", "1", "Saint Kitts and Nevis"),
    c("KP", "850", "0", "Korea, Democratic People's Republic of"),
    c("KR", "82", "0", "Korea, Republic of"),
    c("KW", "965", "", "Kuwait"),
    c("KY", "1", "1", "Cayman Islands"),
    c("KZ", "7", "8", "Kazakhstan"),
    c("LA", "856", "0", "Lao People's Democratic Republic"),
    c("LB", "961", "0", "Lebanon"),
    c("LC", "1", "1", "Saint Lucia"),
    c("LI", "423", "0", "Liechtenstein"),
    c("LK", "94", "0", "Sri Lanka"),
    c("LR", "231", "0", "Liberia"),
    c("LS", "266", "", "Lesotho"),
    c("LT", "370", "0", "Lithuania"),
    c("LU", "352", "", "Luxembourg"),
    c("LV", "371", "", "Latvia"),
    c("LY", "218", "0", "Libya"),
    c("MA", "212", "0", "Morocco"),
    c("MC", "377", "0", "Monaco"),
    c("MD", "373", "0", "Moldova, Republic of"),
    c("ME", "382", "0", "Montenegro"),
    c("MF", "590", "0", "Saint Martin (French part)"),
    c("MG", "261", "0", "Madagascar"),
    c("MH", "692", "1", "Marshall Islands"),
    c("MK", "389", "0", "North Macedonia"),
    c("ML", "223", "", "Mali"),
    c("MM", "95", "0", "Myanmar"),
    c("MN", "976", "0", "Mongolia"),
    c("MO", "853", "", "Macao"),
    c("MP", "1", "1", "Northern Mariana Islands"),
    c("MQ", "596", "0", "Martinique"),
    c("MR", "222", "", "Mauritania"),
    c("MS", "1", "1", "Montserrat"),
    c("MT", "356", "", "Malta"),
    c("MU", "230", "", "Mauritius"),
    c("MV", "960", "", "Maldives"),
    c("MW", "265", "0", "Malawi"),
    c("MX", "52", "", "Mexico"),
    c("MY", "60", "0", "Malaysia"),
    c("MZ", "258", "", "Mozambique"),
    c("NA", "264", "0", "Namibia"),
    c("NC", "687", "", "New Caledonia"),
    c("NE", "227", "", "Niger"),
    c("NF", "672", "", "Norfolk Island"),
    c("NG", "234", "0", "Nigeria"),
    c("NI", "505", "", "Nicaragua"),
    c("NL", "31", "0", "Netherlands"),
    c("NO", "47", "", "Norway"),
    c("NP", "977", "0", "Nepal"),
    c("NR", "674", "", "Nauru"),
    c("NU", "683", "", "Niue"),
    c("NZ", "64", "0", "New Zealand"),
    c("OM", "968", "", "Oman"),
    c("PA", "507", "", "Panama"),
    c("PE", "51", "0", "Peru"),
    c("PF", "689", "", "French Polynesia"),
    c("PG", "675", "", "Papua New Guinea"),
    c("PH", "63", "0", "Philippines"),
    c("PK", "92", "0", "Pakistan"),
    c("PL", "48", "", "Poland"),
    c("PM", "508", "0", "Saint Pierre and Miquelon"),
    c("PN", "64", "", "Pitcairn"),
    c("PR", "1", "1", "Puerto Rico"),
    c("PS", "970", "0", "Palestine, State of"),
    c("PT", "351", "", "Portugal"),
    c("PW", "680", "", "Palau"),
    c("PY", "595", "0", "Paraguay"),
    c("QA", "974", "", "Qatar"),
    c("RE", "262", "0", "Réunion"),
    c("RO", "40", "0", "Romania"),
    c("RS", "381", "0", "Serbia"),
    c("RU", "7", "8", "Russian Federation"),
    c("RW", "250", "0", "Rwanda"),
    c("SA", "966", "0", "Saudi Arabia"),
    c("SB", "677", "", "Solomon Islands"),
    c("SC", "248", "", "Seychelles"),
    c("SD", "249", "0", "Sudan"),
    c("SE", "46", "0", "Sweden"),
    c("SG", "65", "", "Singapore"),
    c(
        "SH",
        "290",
        "",
        "Saint Helena, Ascension and Tristan da Cunha",
    ),
    c("SI", "386", "0", "Slovenia"),
    c("SJ", "47", "", "Svalbard and Jan Mayen"),
    c("SK", "421", "0", "Slovakia"),
    c("SL", "232", "0", "Sierra Leone"),
    c("SM", "378", "", "San Marino"),
    c("SN", "221", "", "Senegal"),
    c("SO", "252", "0", "Somalia"),
    c("SR", "597", "", "Suriname"),
    c("SS", "211", "0", "South Sudan"),
    c("ST", "239", "", "Sao Tome and Principe"),
    c("SV", "503", "", "El Salvador"),
    c("SX", "1", "1", "Sint Maarten (Dutch part)"),
    c("SY", "963", "0", "Syrian Arab Republic"),
    c("SZ", "268", "", "Eswatini"),
    c("TC", "1", "1", "Turks and Caicos Islands"),
    c("TD", "235", "", "Chad"),
    c("TF", "262", "", "French Southern Territories"),
    c("TG", "228", "", "Togo"),
    c("TH", "66", "0", "Thailand"),
    c("TJ", "992", "", "Tajikistan"),
    c("TK", "690", "", "Tokelau"),
    c("TL", "670", "", "Timor-Leste"),
    c("TM", "993", "8", "Turkmenistan"),
    c("TN", "216", "", "Tunisia"),
    c("TO", "676", "", "Tonga"),
    c("TR", "90", "0", "Türkiye"),
    c("TT", "1", "1", "Trinidad and Tobago"),
    c("TV", "688", "", "Tuvalu"),
    c("TW", "886", "0", "Taiwan, Province of China"),
    c("TZ", "255", "0", "Tanzania, United Republic of"),
    c("UA", "380", "0", "Ukraine"),
    c("UG", "256", "0", "Uganda"),
    c("UM", "1", "1", "United States Minor Outlying Islands"),
    c("US", "1", "1", "United States"),
    c("UY", "598", "0", "Uruguay"),
    c("UZ", "998", "", "Uzbekistan"),
    c("VA", "39", "", "Holy See (Vatican City State)"),
    c("VC", "1", "1", "Saint Vincent and the Grenadines"),
    c("VE", "58", "0", "Venezuela, Bolivarian Republic of"),
    c("VG", "1", "1", "Virgin Islands, British"),
    c("VI", "1", "1", "Virgin Islands, U.S."),
    c("VN", "84", "0", "Viet Nam"),
    c("VU", "678", "", "Vanuatu"),
    c("WF", "681", "", "Wallis and Futuna"),
    c("WS", "685", "", "Samoa"),
    c("YE", "967", "0", "Yemen"),
    c("YT", "262", "0", "Mayotte"),
    c("ZA", "27", "0", "South Africa"),
    c("ZM", "260", "0", "Zambia"),
    c("ZW", "263", "0", "Zimbabwe"),
];

/// The active ISO 4217 currencies, sorted by code.
///
/// Each row is code, minor-unit exponent and English name. Codes whose minor
/// unit ISO 4217 gives as "N.A." are left out, because they are not used to
/// price anything: precious metals (XAU, XAG, XPT, XPD), bond-market units
/// (XBA to XBD), XDR, XSU, XUA, and the test and no-currency codes XTS and
/// XXX. Lookups binary-search this table, so it must stay sorted.
static CURRENCIES: &[Currency] = &[
    m("AED", 2, "UAE Dirham"),
    m("AFN", 2, "Afghani"),
    m("ALL", 2, "Lek"),
    m("AMD", 2, "Armenian Dram"),
    m("AOA", 2, "Kwanza"),
    m("ARS", 2, "Argentine Peso"),
    m("AUD", 2, "Australian Dollar"),
    m("AWG", 2, "Aruban Florin"),
    m("AZN", 2, "Azerbaijan Manat"),
    m("BAM", 2, "Convertible Mark"),
    m("BBD", 2, "Barbados Dollar"),
    m("BDT", 2, "Taka"),
    m("BHD", 3, "Bahraini Dinar"),
    m("BIF", 0, "Burundi Franc"),
    m("BMD", 2, "Bermudian Dollar"),
    m("BND", 2, "Brunei Dollar"),
    m("BOB", 2, "Boliviano"),
    m("BOV", 2, "Mvdol"),
    m("BRL", 2, "Brazilian Real"),
    m("BSD", 2, "Bahamian Dollar"),
    m("BTN", 2, "Ngultrum"),
    m("BWP", 2, "Pula"),
    m("BYN", 2, "Belarusian Ruble"),
    m("BZD", 2, "Belize Dollar"),
    m("CAD", 2, "Canadian Dollar"),
    m("CDF", 2, "Congolese Franc"),
    m("CHE", 2, "WIR Euro"),
    m("CHF", 2, "Swiss Franc"),
    m("CHW", 2, "WIR Franc"),
    m("CLF", 4, "Unidad de Fomento"),
    m("CLP", 0, "Chilean Peso"),
    m("CNY", 2, "Yuan Renminbi"),
    m("COP", 2, "Colombian Peso"),
    m("COU", 2, "Unidad de Valor Real"),
    m("CRC", 2, "Costa Rican Colon"),
    m("CUC", 2, "Peso Convertible"),
    m("CUP", 2, "Cuban Peso"),
    m("CVE", 2, "Cabo Verde Escudo"),
    m("CZK", 2, "Czech Koruna"),
    m("DJF", 0, "Djibouti Franc"),
    m("DKK", 2, "Danish Krone"),
    m("DOP", 2, "Dominican Peso"),
    m("DZD", 2, "Algerian Dinar"),
    m("EGP", 2, "Egyptian Pound"),
    m("ERN", 2, "Nakfa"),
    m("ETB", 2, "Ethiopian Birr"),
    m("EUR", 2, "Euro"),
    m("FJD", 2, "Fiji Dollar"),
    m("FKP", 2, "Falkland Islands Pound"),
    m("GBP", 2, "Pound Sterling"),
    m("GEL", 2, "Lari"),
    m("GHS", 2, "Ghana Cedi"),
    m("GIP", 2, "Gibraltar Pound"),
    m("GMD", 2, "Dalasi"),
    m("GNF", 0, "Guinean Franc"),
    m("GTQ", 2, "Quetzal"),
    m("GYD", 2, "Guyana Dollar"),
    m("HKD", 2, "Hong Kong Dollar"),
    m("HNL", 2, "Lempira"),
    m("HTG", 2, "Gourde"),
    m("HUF", 2, "Forint"),
    m("IDR", 2, "Rupiah"),
    m("ILS", 2, "New Israeli Sheqel"),
    m("INR", 2, "Indian Rupee"),
    m("IQD", 3, "Iraqi Dinar"),
    m("IRR", 2, "Iranian Rial"),
    m("ISK", 0, "Iceland Krona"),
    m("JMD", 2, "Jamaican Dollar"),
    m("JOD", 3, "Jordanian Dinar"),
    m("JPY", 0, "Yen"),
    m("KES", 2, "Kenyan Shilling"),
    m("KGS", 2, "Som"),
    m("KHR", 2, "Riel"),
    m("KMF", 0, "Comorian Franc"),
    m("KPW", 2, "North Korean Won"),
    m("KRW", 0, "Won"),
    m("KWD", 3, "Kuwaiti Dinar"),
    m("KYD", 2, "Cayman Islands Dollar"),
    m("KZT", 2, "Tenge"),
    m("LAK", 2, "Lao Kip"),
    m("LBP", 2, "Lebanese Pound"),
    m("LKR", 2, "Sri Lanka Rupee"),
    m("LRD", 2, "Liberian Dollar"),
    m("LSL", 2, "Loti"),
    m("LYD", 3, "Libyan Dinar"),
    m("MAD", 2, "Moroccan Dirham"),
    m("MDL", 2, "Moldovan Leu"),
    m("MGA", 2, "Malagasy Ariary"),
    m("MKD", 2, "Denar"),
    m("MMK", 2, "Kyat"),
    m("MNT", 2, "Tugrik"),
    m("MOP", 2, "Pataca"),
    m("MRU", 2, "Ouguiya"),
    m("MUR", 2, "Mauritius Rupee"),
    m("MVR", 2, "Rufiyaa"),
    m("MWK", 2, "Malawi Kwacha"),
    m("MXN", 2, "Mexican Peso"),
    m("MXV", 2, "Mexican Unidad de Inversion (UDI)"),
    m("MYR", 2, "Malaysian Ringgit"),
    m("MZN", 2, "Mozambique Metical"),
    m("NAD", 2, "Namibia Dollar"),
    m("NGN", 2, "Naira"),
    m("NIO", 2, "Cordoba Oro"),
    m("NOK", 2, "Norwegian Krone"),
    m("NPR", 2, "Nepalese Rupee"),
    m("NZD", 2, "New Zealand Dollar"),
    m("OMR", 3, "Rial Omani"),
    m("PAB", 2, "Balboa"),
    m("PEN", 2, "Sol"),
    m("PGK", 2, "Kina"),
    m("PHP", 2, "Philippine Peso"),
    m("PKR", 2, "Pakistan Rupee"),
    m("PLN", 2, "Zloty"),
    m("PYG", 0, "Guarani"),
    m("QAR", 2, "Qatari Rial"),
    m("RON", 2, "Romanian Leu"),
    m("RSD", 2, "Serbian Dinar"),
    m("RUB", 2, "Russian Ruble"),
    m("RWF", 0, "Rwanda Franc"),
    m("SAR", 2, "Saudi Riyal"),
    m("SBD", 2, "Solomon Islands Dollar"),
    m("SCR", 2, "Seychelles Rupee"),
    m("SDG", 2, "Sudanese Pound"),
    m("SEK", 2, "Swedish Krona"),
    m("SGD", 2, "Singapore Dollar"),
    m("SHP", 2, "Saint Helena Pound"),
    m("SLE", 2, "Leone"),
    m("SOS", 2, "Somali Shilling"),
    m("SRD", 2, "Surinam Dollar"),
    m("SSP", 2, "South Sudanese Pound"),
    m("STN", 2, "Dobra"),
    m("SVC", 2, "El Salvador Colon"),
    m("SYP", 2, "Syrian Pound"),
    m("SZL", 2, "Lilangeni"),
    m("THB", 2, "Baht"),
    m("TJS", 2, "Somoni"),
    m("TMT", 2, "Turkmenistan New Manat"),
    m("TND", 3, "Tunisian Dinar"),
    m("TOP", 2, "Pa’anga"),
    m("TRY", 2, "Turkish Lira"),
    m("TTD", 2, "Trinidad and Tobago Dollar"),
    m("TWD", 2, "New Taiwan Dollar"),
    m("TZS", 2, "Tanzanian Shilling"),
    m("UAH", 2, "Hryvnia"),
    m("UGX", 0, "Uganda Shilling"),
    m("USD", 2, "US Dollar"),
    m("USN", 2, "US Dollar (Next day)"),
    m("UYI", 0, "Uruguay Peso en Unidades Indexadas (UI)"),
    m("UYU", 2, "Peso Uruguayo"),
    m("UYW", 4, "Unidad Previsional"),
    m("UZS", 2, "Uzbekistan Sum"),
    m("VED", 2, "Bolívar Soberano"),
    m("VES", 2, "Bolívar Soberano"),
    m("VND", 0, "Dong"),
    m("VUV", 0, "Vatu"),
    m("WST", 2, "Tala"),
    m("XAF", 0, "CFA Franc BEAC"),
    m("XCD", 2, "East Caribbean Dollar"),
    m("XCG", 2, "Caribbean Guilder"),
    m("XOF", 0, "CFA Franc BCEAO"),
    m("XPF", 0, "CFP Franc"),
    m("YER", 2, "Yemeni Rial"),
    m("ZAR", 2, "Rand"),
    m("ZMW", 2, "Zambian Kwacha"),
    m("ZWG", 2, "Zimbabwe Gold"),
];

/// Unit tests for the country and currency tables.
#[cfg(test)]
mod tests {
    use super::*;

    /// Checks a handful of countries the branches deal with.
    #[test]
    fn known_countries() {
        let expected = [
            ("ID", "Indonesia", "62", "0"),
            ("KE", "Kenya", "254", "0"),
            ("US", "United States", "1", "1"),
            ("CA", "Canada", "1", "1"),
            ("GB", "United Kingdom", "44", "0"),
            ("PH", "Philippines", "63", "0"),
            ("ZA", "South Africa", "27", "0"),
            ("MY", "Malaysia", "60", "0"),
            ("SG", "Singapore", "65", ""),
            ("IN", "India", "91", "0"),
            ("IT", "Italy", "39", ""),
            ("RU", "Russian Federation", "7", "8"),
            ("HU", "Hungary", "36", "06"),
            ("BY", "Belarus", "375", "80"),
        ];
        for (code, name, calling_code, trunk_prefix) in expected {
            assert_eq!(
                country(code),
                Some(&Country {
                    code,
                    name,
                    calling_code,
                    trunk_prefix
                }),
                "{code}"
            );
        }
    }

    /// Checks that lookups are exact and case-sensitive.
    #[test]
    fn country_lookup_is_exact() {
        assert_eq!(country("id"), None);
        assert_eq!(country("IDN"), None);
        assert_eq!(country(""), None);
        assert_eq!(country("XK"), None);
        assert_eq!(country("AA"), None);
        assert_eq!(country("AD").map(|c| c.name), Some("Andorra"));
        assert_eq!(country("ZW").map(|c| c.name), Some("Zimbabwe"));
    }

    /// Checks the country table's size, order and formats.
    #[test]
    fn country_table_is_complete_sorted_and_well_formed() {
        assert_eq!(countries().len(), 249);
        for pair in countries().windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} {}",
                pair[0].code,
                pair[1].code
            );
        }
        for entry in countries() {
            assert_eq!(entry.code.len(), 2, "{}", entry.code);
            assert!(
                entry.code.bytes().all(|b| b.is_ascii_uppercase()),
                "{}",
                entry.code
            );
            assert!(!entry.name.is_empty(), "{}", entry.code);
            assert!(
                (1..=3).contains(&entry.calling_code.len()),
                "{}",
                entry.code
            );
            assert!(
                entry.calling_code.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                entry.code
            );
            assert!(!entry.calling_code.starts_with('0'), "{}", entry.code);
            assert!(
                entry.trunk_prefix.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                entry.code
            );
            assert!(entry.trunk_prefix.len() <= 2, "{}", entry.code);
        }
    }

    /// Checks that calling codes are prefix-free, as E.164 assigns them.
    #[test]
    fn no_calling_code_is_a_prefix_of_another() {
        for a in countries() {
            for b in countries() {
                if a.calling_code != b.calling_code {
                    assert!(
                        !b.calling_code.starts_with(a.calling_code),
                        "{} ({}) is a prefix of {} ({})",
                        a.calling_code,
                        a.code,
                        b.calling_code,
                        b.code
                    );
                }
            }
        }
    }

    /// Checks a handful of currencies, including unusual exponents.
    #[test]
    fn known_currencies() {
        let expected = [
            ("IDR", "Rupiah", 2),
            ("KES", "Kenyan Shilling", 2),
            ("USD", "US Dollar", 2),
            ("EUR", "Euro", 2),
            ("JPY", "Yen", 0),
            ("KWD", "Kuwaiti Dinar", 3),
            ("BHD", "Bahraini Dinar", 3),
            ("CLF", "Unidad de Fomento", 4),
            ("UGX", "Uganda Shilling", 0),
            ("VND", "Dong", 0),
            ("XOF", "CFA Franc BCEAO", 0),
            ("ISK", "Iceland Krona", 0),
            ("KRW", "Won", 0),
            ("PYG", "Guarani", 0),
            ("PHP", "Philippine Peso", 2),
            ("MYR", "Malaysian Ringgit", 2),
            ("ZWG", "Zimbabwe Gold", 2),
            ("XCG", "Caribbean Guilder", 2),
        ];
        for (code, name, exponent) in expected {
            assert_eq!(
                currency(code),
                Some(&Currency {
                    code,
                    name,
                    exponent
                }),
                "{code}"
            );
        }
    }

    /// Checks that withdrawn and "N.A." codes are left out.
    #[test]
    fn withdrawn_and_unpriced_currencies_are_absent() {
        for code in [
            "ANG", "BGN", "HRK", "SLL", "ZWL", "XAU", "XTS", "XXX", "idr", "",
        ] {
            assert_eq!(currency(code), None, "{code}");
        }
    }

    /// Checks the currency table's order and formats.
    #[test]
    fn currency_table_is_sorted_and_well_formed() {
        assert!(CURRENCIES.len() > 150);
        for pair in CURRENCIES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} {}",
                pair[0].code,
                pair[1].code
            );
        }
        for entry in CURRENCIES {
            assert_eq!(entry.code.len(), 3, "{}", entry.code);
            assert!(
                entry.code.bytes().all(|b| b.is_ascii_uppercase()),
                "{}",
                entry.code
            );
            assert!(!entry.name.is_empty(), "{}", entry.code);
            assert!(entry.exponent <= 4, "{}", entry.code);
        }
    }
}
