//! CSV tables: features named by the header, categorical columns one-hot,
//! a class or number target, a test file read as its training file was,
//! a seeded split, the normalisation, and each bad input a typed error
//! naming its line.

use std::io::Read;

use nnitp_models::data::table::{
    read_csv, Normalisation, NormalisationKind, TableConfig, TableError, Target, TargetKind,
};

const TRAIN: &str = "\
age, job ,income,label
39,clerk,77.5,no
50,manager,83.3,yes
38,clerk,21.6,no
53,nurse,23.4,yes
";

fn config() -> TableConfig {
    TableConfig::new("label").with_categorical(["job"])
}

#[test]
fn columns_become_named_features() {
    let t = read_csv(TRAIN.as_bytes(), &config(), None).unwrap();
    assert_eq!(
        t.schema.features,
        ["age", "job=clerk", "job=manager", "job=nurse", "income"]
    );
    assert_eq!(t.schema.classes, ["no", "yes"]);
    assert_eq!(t.features.row(1).to_vec(), [50.0, 0.0, 1.0, 0.0, 83.3]);
    assert_eq!(t.targets, Target::Classes(vec![0, 1, 0, 1]));
    // a number target
    let c = TableConfig::new("income")
        .with_target_kind(TargetKind::Number)
        .with_categorical(["job", "label"]);
    let t = read_csv(TRAIN.as_bytes(), &c, None).unwrap();
    assert_eq!(t.targets, Target::Numbers(vec![77.5, 83.3, 21.6, 23.4]));
    assert!(t.schema.classes.is_empty());
}

#[test]
fn a_test_file_is_read_as_its_training_file_was() {
    let train = read_csv(TRAIN.as_bytes(), &config(), None).unwrap();
    let test = "age,job,income,label\n41,nurse,30,no\n";
    let t = read_csv(test.as_bytes(), &config(), Some(&train.schema)).unwrap();
    assert_eq!(t.schema, train.schema);
    assert_eq!(t.features.row(0).to_vec(), [41.0, 0.0, 0.0, 1.0, 30.0]);
    let unseen = "age,job,income,label\n41,nurse,30,no\n40,pilot,30,no\n";
    match read_csv(unseen.as_bytes(), &config(), Some(&train.schema)) {
        Err(TableError::UnknownCategory {
            line: 3,
            column,
            value,
        }) => {
            assert_eq!((column.as_str(), value.as_str()), ("job", "pilot"));
        }
        other => panic!("{other:?}"),
    }
    let missing = "age,job,label\n41,nurse,no\n";
    assert!(matches!(
        read_csv(missing.as_bytes(), &config(), Some(&train.schema)),
        Err(TableError::MissingColumn(c)) if c == "income"
    ));
    // a column the training file lacks is named as such
    let extra = "age,income,job,label,height\n41,3.5,nurse,no,1.8\n";
    assert!(matches!(
        read_csv(extra.as_bytes(), &config(), Some(&train.schema)),
        Err(TableError::UnknownColumn(c)) if c == "height"
    ));
}

#[test]
fn a_split_is_seeded_and_keeps_the_order() {
    let rows: String = (0..100).map(|i| format!("{i},clerk,1,no\n")).collect();
    let t = read_csv(
        format!("age,job,income,label\n{rows}").as_bytes(),
        &config(),
        None,
    )
    .unwrap();
    let (train, test) = t.split(0.25, 7).unwrap();
    assert_eq!((train.len(), test.len()), (75, 25));
    let ages = |t: &nnitp_models::data::table::Table| t.features.column(0).to_vec();
    assert!(ages(&test).windows(2).all(|w| w[0] < w[1]));
    assert_eq!(ages(&t.split(0.25, 7).unwrap().1), ages(&test));
    assert_ne!(ages(&t.split(0.25, 8).unwrap().1), ages(&test));
    assert!(matches!(t.split(1.5, 0), Err(TableError::Fraction(_))));
}

#[test]
fn the_normalisation_is_fitted_once_and_reads_back() {
    let mut t = read_csv(TRAIN.as_bytes(), &config(), None).unwrap();
    let n = Normalisation::fit(NormalisationKind::Standard, &t);
    let json = serde_json::to_string(&n).unwrap();
    let back: Normalisation = serde_json::from_str(&json).unwrap();
    assert_eq!(back, n);
    let age = t.features[[0, 0]];
    n.apply(&mut t).unwrap();
    let mean: f32 = t.features.column(0).sum() / 4.0;
    assert!(mean.abs() < 1e-5);
    assert!((n.original(0, t.features[[0, 0]]).unwrap() - age).abs() < 1e-4);
    let m = Normalisation::fit(NormalisationKind::MinMax, &t);
    m.apply(&mut t).unwrap();
    let col = t.features.column(4);
    assert_eq!(col.iter().copied().fold(f32::INFINITY, f32::min), 0.0);
    assert!((col.iter().copied().fold(0f32, f32::max) - 1.0).abs() < 1e-6);
    let narrow = Normalisation {
        shift: vec![0.0],
        scale: vec![1.0],
        ..m
    };
    assert!(matches!(
        narrow.apply(&mut t),
        Err(TableError::NormalisationWidth {
            expected: 5,
            found: 1
        })
    ));
}

#[test]
fn bad_csv_is_an_error_naming_the_line() {
    let read = |text: &str| read_csv(text.as_bytes(), &config(), None);
    assert!(matches!(read(""), Err(TableError::Empty(_))));
    assert!(matches!(
        read("age,job,income,label\n"),
        Err(TableError::Empty(_))
    ));
    assert!(matches!(
        read("age,job,income,label\n1,clerk,2,no\n3,clerk,no\n"),
        Err(TableError::Ragged {
            line: 3,
            expected: 4,
            found: 3
        })
    ));
    match read("age,job,income,label\n1,clerk,2,no\nold,clerk,2,no\n") {
        Err(TableError::NotNumber {
            line: 3,
            column,
            cell,
        }) => {
            assert_eq!((column.as_str(), cell.as_str()), ("age", "old"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        read("age,job,income,label\n1,clerk,NaN,no\n"),
        Err(TableError::NotNumber { line: 2, .. })
    ));
    assert!(matches!(
        read_csv("a,b\n1,2\n".as_bytes(), &config(), None),
        Err(TableError::MissingColumn(c)) if c == "label"
    ));
    assert!(matches!(
        read("age,age,job,income,label\n"),
        Err(TableError::DuplicateColumn(c)) if c == "age"
    ));
    assert!(matches!(
        read("age,job,income,label\n1,\"clerk,2,no\n"),
        Err(TableError::Csv { .. }) | Err(TableError::Ragged { .. })
    ));
}

#[test]
fn a_huge_line_is_refused_without_reading_it_all() {
    // 1 GB of digits on one line, never held: the reader stops at the limit
    let huge = "age,job,income,label\n"
        .as_bytes()
        .chain(std::io::repeat(b'1').take(1 << 30));
    let c = config().with_max_line(4096);
    match read_csv(huge, &c, None) {
        Err(TableError::LineTooLong {
            line: 2,
            limit: 4096,
        }) => {}
        other => panic!("{other:?}"),
    }
}
