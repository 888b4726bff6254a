package main

import (
	"fmt"
	"strings"
	"sync"

	admv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions"
	"k8s.io/apiserver/pkg/cel/environment"
)

// The environment the apiserver builds its ValidatingAdmissionPolicy compilers from (strict cost).
var (
	envOnce sync.Once
	envSet  *environment.EnvSet
)

func baseEnv() *environment.EnvSet {
	envOnce.Do(func() {
		envSet = environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion())
	})
	return envSet
}

// celSpec is the CEL of one policy (a ValidatingAdmissionPolicy's spec, or a Gatekeeper template's
// K8sNativeValidation source with Gatekeeper's own variables first).
type celSpec struct {
	// where names the document in problems ("ValidatingAdmissionPolicy", name).
	kind, name string
	// base is the path of the spec inside the document (["spec"], or the code source).
	base             []string
	variables        []admv1.Variable
	internal         []admv1.Variable // compiled first, never reported (Gatekeeper's own)
	validations      []admv1.Validation
	matchConditions  []admv1.MatchCondition
	auditAnnotations []admv1.AuditAnnotation
	failurePolicy    *admv1.FailurePolicyType
	// matchConditionsKey is the spec's field name for match conditions (Gatekeeper: matchCondition).
	matchConditionsKey string
	// Variables see params; validations too unless validationsWithoutParams (Gatekeeper).
	hasParams                bool
	validationsWithoutParams bool
	hasAuthorizer            bool
	matcherType, matcherName string
}

func (s *celSpec) at(parts ...interface{}) []string {
	out := append([]string{}, s.base...)
	for _, p := range parts {
		out = append(out, fmt.Sprint(p))
	}
	return out
}

func (s *celSpec) problem(path []string, message string) problem {
	return problem{Kind: s.kind, Name: s.name, Path: path, Message: message}
}

// compileSpec builds the validator as the apiserver's compilePolicy does, and reports each
// expression that does not compile (what the apiserver refuses when the policy is created).
func compileSpec(s *celSpec) (validating.Validator, []problem) {
	var problems []problem
	check := func(path []string, r cel.CompilationResult) {
		if r.Error != nil {
			problems = append(problems, s.problem(path, r.Error.Error()))
		}
	}
	vars := cel.OptionalVariableDeclarations{HasParams: s.hasParams, HasAuthorizer: s.hasAuthorizer}
	checkVars := cel.OptionalVariableDeclarations{HasParams: s.hasParams && !s.validationsWithoutParams, HasAuthorizer: s.hasAuthorizer}
	messageVars := cel.OptionalVariableDeclarations{HasParams: checkVars.HasParams}
	compiler, err := cel.NewCompositedCompiler(baseEnv())
	if err != nil {
		return nil, []problem{s.problem(s.base, err.Error())}
	}
	for _, v := range s.internal {
		compiler.CompileAndStoreVariable(&validating.Variable{Name: v.Name, Expression: v.Expression}, vars, environment.StoredExpressions)
	}
	for i, v := range s.variables {
		r := compiler.CompileAndStoreVariable(&validating.Variable{Name: v.Name, Expression: v.Expression}, vars, environment.StoredExpressions)
		check(s.at("variables", i, "expression"), r)
	}
	validations := make([]cel.ExpressionAccessor, len(s.validations))
	messages := make([]cel.ExpressionAccessor, len(s.validations))
	for i, v := range s.validations {
		validations[i] = &validating.ValidationCondition{Expression: v.Expression, Message: v.Message, Reason: v.Reason}
		check(s.at("validations", i, "expression"), compiler.CompileCELExpression(validations[i], checkVars, environment.NewExpressions))
		if v.MessageExpression != "" {
			messages[i] = &validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}
			check(s.at("validations", i, "messageExpression"), compiler.CompileCELExpression(messages[i], messageVars, environment.NewExpressions))
		}
	}
	audits := make([]cel.ExpressionAccessor, len(s.auditAnnotations))
	for i, a := range s.auditAnnotations {
		audits[i] = &validating.AuditAnnotationCondition{Key: a.Key, ValueExpression: a.ValueExpression}
		check(s.at("auditAnnotations", i, "valueExpression"), compiler.CompileCELExpression(audits[i], checkVars, environment.NewExpressions))
	}
	var matcher matchconditions.Matcher
	if len(s.matchConditions) > 0 {
		conditions := make([]cel.ExpressionAccessor, len(s.matchConditions))
		for i := range s.matchConditions {
			conditions[i] = (*matchconditions.MatchCondition)(&s.matchConditions[i])
			check(s.at(s.matchConditionsKey, i, "expression"), compiler.CompileCELExpression(conditions[i], checkVars, environment.NewExpressions))
		}
		matcher = matchconditions.NewMatcher(compiler.CompileCondition(conditions, checkVars, environment.StoredExpressions), s.failurePolicy, s.matcherType, "validate", s.matcherName)
	}
	return validating.NewValidator(
		compiler.CompileCondition(validations, checkVars, environment.StoredExpressions),
		matcher,
		compiler.CompileCondition(audits, checkVars, environment.StoredExpressions),
		compiler.CompileCondition(messages, messageVars, environment.StoredExpressions),
		s.failurePolicy,
		nil,
	), problems
}

// mentions reports whether any expression of the spec names `word` (authorizer, namespaceObject).
func (s *celSpec) mentions(word string) bool {
	for _, v := range s.variables {
		if strings.Contains(v.Expression, word) {
			return true
		}
	}
	for _, v := range s.validations {
		if strings.Contains(v.Expression, word) || strings.Contains(v.MessageExpression, word) {
			return true
		}
	}
	for _, m := range s.matchConditions {
		if strings.Contains(m.Expression, word) {
			return true
		}
	}
	for _, a := range s.auditAnnotations {
		if strings.Contains(a.ValueExpression, word) {
			return true
		}
	}
	return false
}
