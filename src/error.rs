//! Typed errors of the ODE solvers.
