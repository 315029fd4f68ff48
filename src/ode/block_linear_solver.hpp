#pragma once
// Private to the ode layer: Newton's linear solve done by the model's block preconditioner
// alone (ode::linear_solver::block).

#include <sundials/sundials_context.h>
#include <sundials/sundials_linearsolver.h>

namespace esbio::ode::detail {

// A matrix-embedded SUNLinearSolver: x = P^-1 b, with P the system's approximation of
// I - gamma J (for the network, its per-neuron blocks without the coupling between neurons).
// CVODE's Newton iteration then becomes a modified Newton iteration on that P. mem is the CVODE
// memory (for gamma, the state and the step count) and user the slot that names the system.
SUNLinearSolver make_block_linear_solver(SUNContext ctx, void* mem, void* user);
// Forget the set-up P: the next solve sets up afresh (after a re-initialisation, whose new
// initial state and step size the old P knows nothing of).
void reset_block_linear_solver(SUNLinearSolver ls);
// Rebuild P whenever the step count enters a new interval of checkpoint_steps steps (an
// adjoint's forward, whose intervals CVODES re-runs during the backward pass).
void align_block_linear_solver(SUNLinearSolver ls, long checkpoint_steps);

}  // namespace esbio::ode::detail
