//! The `own_resnet` example as a user runs it: a residual network declared
//! once (skip connections, a projection, global average pooling), trained
//! briefly, one decision explained at the second block's output and drilled
//! down to the first block's, with the input regions the cones give.

use std::process::Command;

mod example;
use example::{assert_has_all, example, stdout_of};

#[test]
fn explains_a_residual_network_and_drills_down() {
    let out = Command::new(example("own_resnet"))
        .arg("1")
        .output()
        .unwrap();
    let stdout = stdout_of(&out);
    assert_has_all(
        &stdout,
        &[
            "epoch 1: mean loss ",
            "Interpolant: layer 18: (",
            "drilling down into layer 18: ",
            "at layer 9",
            "Interpolant: layer 9: (",
            "reads input rows ",
        ],
    );
    // every region lies in the 28x28 image
    for line in stdout.lines().filter(|l| l.contains("reads input rows")) {
        let nums: Vec<usize> = line
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        let [.., r0, r1, c0, c1] = nums[..] else {
            panic!("{line}")
        };
        assert!(r0 < r1 && r1 <= 28 && c0 < c1 && c1 <= 28, "{line}");
    }
}
