//! Adam (Kingma & Ba) on tensors, with its state exposed so checkpoints resume exactly
//! (tch's built-in optimiser does not expose its moment estimates).
use tch::Tensor;

pub struct Adam {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    /// Number of updates done.
    pub step: i64,
    names: Vec<String>,
    vars: Vec<Tensor>,
    pub m: Vec<Tensor>,
    pub v: Vec<Tensor>,
}

impl Adam {
    /// Optimise the given named variables (sorted by name for a stable order).
    pub fn new(mut named: Vec<(String, Tensor)>, weight_decay: f64) -> Adam {
        named.retain(|(_, t)| t.requires_grad());
        named.sort_by(|a, b| a.0.cmp(&b.0));
        let m = named.iter().map(|(_, t)| t.zeros_like()).collect();
        let v = named.iter().map(|(_, t)| t.zeros_like()).collect();
        let (names, vars) = named.into_iter().unzip();
        Adam { beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay, step: 0, names, vars, m, v }
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn zero_grad(&mut self) {
        for v in &mut self.vars {
            let mut g = v.grad();
            if g.defined() {
                let _ = g.detach_().zero_();
            }
        }
    }

    /// Scale gradients so their global L2 norm is at most `max_norm`; returns the norm before.
    /// The operations are those of PyTorch's `clip_grad_norm_` on CPU (per-tensor norms, the
    /// norm of those, coefficient `(norm + 1e-6)⁻¹·max_norm` clamped at 1, every gradient
    /// multiplied by it), so the two round alike (`tools/replay_check`).
    pub fn clip_grad_norm(&mut self, max_norm: f64) -> f64 {
        let mut grads: Vec<Tensor> = self.vars.iter().map(|v| v.grad()).filter(|g| g.defined()).collect();
        if grads.is_empty() {
            return 0.0;
        }
        tch::no_grad(|| {
            let norms: Vec<Tensor> = grads.iter().map(|g| g.norm()).collect();
            let total = Tensor::stack(&norms, 0).norm();
            if max_norm > 0.0 {
                let coef = ((&total + 1e-6).reciprocal() * max_norm).clamp_max(1.0);
                for g in &mut grads {
                    let _ = g.g_mul_(&coef);
                }
            }
            total.double_value(&[])
        })
    }

    /// One update with learning rate `lr`, in the operations (and so the rounding) of
    /// PyTorch's `torch.optim.Adam` on CPU.
    pub fn step(&mut self, lr: f64) {
        self.step += 1;
        let (b1, b2) = (self.beta1, self.beta2);
        let step_size = lr / (1.0 - b1.powi(self.step as i32));
        let bc2_sqrt = (1.0 - b2.powi(self.step as i32)).sqrt();
        tch::no_grad(|| {
            for ((var, m), v) in self.vars.iter_mut().zip(&mut self.m).zip(&mut self.v) {
                let g = var.grad();
                if !g.defined() {
                    continue;
                }
                let g = if self.weight_decay > 0.0 { &g + &*var * self.weight_decay } else { g };
                let _ = m.lerp_(&g, 1.0 - b1);
                let _ = v.g_mul_scalar_(b2).g_add_(&(&g * (1.0 - b2) * &g));
                let denom = v.sqrt() / bc2_sqrt + self.eps;
                let _ = var.g_add_(&(&*m * -step_size / denom));
            }
        });
    }
}
