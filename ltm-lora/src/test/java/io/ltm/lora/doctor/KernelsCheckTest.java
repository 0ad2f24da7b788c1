package io.ltm.lora.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.lora.model.TorchKernels;
import org.junit.jupiter.api.Test;

/** {@code ltm doctor}'s "kernels" check: what each probe result says and what it tells the user to do. */
class KernelsCheckTest {
  @Test
  void fasterBf16ProductsPassAndSlowerOnesWarnToLeaveTheFlagOff() {
    Check fast = Doctor.kernelsCheck(new TorchKernels.Probe(true, true, 180, 90, 3e-3));
    assertThat(fast.status()).isEqualTo(Check.Status.PASS);
    assertThat(fast.summary()).contains("2.00x").contains("CPU bf16 dot products: yes");
    Check slow = Doctor.kernelsCheck(new TorchKernels.Probe(true, false, 40, 90, 3e-3));
    assertThat(slow.status()).isEqualTo(Check.Status.WARN);
    assertThat(slow.fix()).contains("leave --bf16-matmul off");
  }

  @Test
  void aWrongProductFailsAndAModuleThatDidNotLoadWarns() {
    Check wrong = Doctor.kernelsCheck(new TorchKernels.Probe(true, true, 180, 90, 0.5));
    assertThat(wrong.status()).isEqualTo(Check.Status.FAIL);
    assertThat(wrong.fix()).contains("do not use --bf16-matmul");
    Check nan = Doctor.kernelsCheck(new TorchKernels.Probe(true, true, 180, 90, Double.NaN));
    assertThat(nan.status()).isEqualTo(Check.Status.FAIL);
    Check missing = Doctor.kernelsCheck(new TorchKernels.Probe(false, true, Double.NaN, Double.NaN, Double.NaN));
    assertThat(missing.status()).isEqualTo(Check.Status.WARN);
    assertThat(missing.summary()).contains("explicit attention");
  }

  @Test
  void theProbeOnThisMachineMultipliesWithinBf16Precision() {
    TorchKernels.Probe p = TorchKernels.probe();
    assertThat(p.loaded()).isTrue();
    assertThat(p.bf16Gflops()).isPositive();
    assertThat(p.f32Gflops()).isPositive();
    // activations and products rounded to bf16 (2^-8 relative each), summed over 1024 terms of random sign
    assertThat(p.maxRelativeError()).isPositive().isLessThan(2e-2);
  }
}
