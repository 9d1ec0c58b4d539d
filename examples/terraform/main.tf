# cognito-passcode on the prebuilt handler of @cognito-passcode/triggers: the
# user pool, an app client, the DynamoDB table, the code secret, the four
# trigger functions, the daily username sweep, and least-privilege IAM.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  # One function per trigger, each with the export of lambda/index.mjs it runs.
  triggers = {
    "define-auth-challenge" = { handler = "index.defineAuthChallenge", code_secret = false }
    "create-auth-challenge" = { handler = "index.createAuthChallenge", code_secret = true }
    "verify-auth-challenge" = { handler = "index.verifyAuthChallengeResponse", code_secret = true }
    "pre-sign-up"           = { handler = "index.preSignUp", code_secret = false }
  }
  # The same names as the SAM template, the CDK construct and getting started.
  environment = {
    PASSCODE_TABLE_NAME = aws_dynamodb_table.passcode.name
    PASSCODE_EMAIL_FROM = var.email_from
    PASSCODE_APP_NAME   = var.app_name
  }
  ses_identity_arn = "arn:${data.aws_partition.current.partition}:ses:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:identity/${var.ses_identity}"
}

data "archive_file" "handler" {
  type        = "zip"
  source_dir  = var.handler_dir
  output_path = "${path.module}/.build/handler.zip"
}

# --- Storage: the username registry, the send throttle and the per-code attempt counter.
resource "aws_dynamodb_table" "passcode" {
  name         = var.name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }

  deletion_protection_enabled = true
}

# --- codeSecret: 48 random characters, readable only by Create and Verify.
# The value is in the Terraform state too: keep the state encrypted.
resource "random_password" "code_secret" {
  length  = 48
  special = false
}

resource "aws_secretsmanager_secret" "code_secret" {
  name_prefix = "${var.name}-code-secret-"
  description = "cognito-passcode codeSecret (HMAC key for the one-time codes)"
}

resource "aws_secretsmanager_secret_version" "code_secret" {
  secret_id     = aws_secretsmanager_secret.code_secret.id
  secret_string = random_password.code_secret.result
}

# --- The user pool, with the settings the security model requires.
resource "aws_cognito_user_pool" "pool" {
  name                     = "${var.name}-users"
  deletion_protection      = "ACTIVE"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = "OFF"

  username_configuration {
    case_sensitive = false
  }

  # An email change waits until the new address is verified.
  user_attribute_update_settings {
    attributes_require_verification_before_update = ["email"]
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "admin_only"
      priority = 1
    }
  }

  admin_create_user_config {
    allow_admin_create_user_only = false
  }

  # No password signs anyone in, but Cognito keeps the random one sign-up sends.
  password_policy {
    minimum_length    = 12
    require_lowercase = true
    require_uppercase = true
    require_numbers   = true
    require_symbols   = true
  }

  schema {
    name                = "email"
    attribute_data_type = "String"
    required            = true
    mutable             = true
    string_attribute_constraints {
      min_length = 0
      max_length = 2048
    }
  }

  schema {
    name                = "username"
    attribute_data_type = "String"
    mutable             = true
    string_attribute_constraints {
      min_length = 1
      max_length = 64
    }
  }

  lambda_config {
    define_auth_challenge          = aws_lambda_function.trigger["define-auth-challenge"].arn
    create_auth_challenge          = aws_lambda_function.trigger["create-auth-challenge"].arn
    verify_auth_challenge_response = aws_lambda_function.trigger["verify-auth-challenge"].arn
    pre_sign_up                    = aws_lambda_function.trigger["pre-sign-up"].arn
  }
}

# The app client: custom auth only, no secret, custom:username readable but not writable.
resource "aws_cognito_user_pool_client" "web" {
  name                          = "web"
  user_pool_id                  = aws_cognito_user_pool.pool.id
  generate_secret               = false
  explicit_auth_flows           = ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true
  auth_session_validity         = 3
  access_token_validity         = 60
  id_token_validity             = 60
  refresh_token_validity        = 30

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }

  read_attributes  = ["email", "email_verified", "name", "locale", "custom:username"]
  write_attributes = ["email", "name", "locale"]
}

# --- The four trigger functions.
resource "aws_cloudwatch_log_group" "trigger" {
  for_each          = local.triggers
  name              = "/aws/lambda/${var.name}-${each.key}"
  retention_in_days = 30
}

resource "aws_iam_role" "trigger" {
  for_each = local.triggers
  name     = "${var.name}-${each.key}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "trigger_logs" {
  for_each = local.triggers
  name     = "logs"
  role     = aws_iam_role.trigger[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "${aws_cloudwatch_log_group.trigger[each.key].arn}:*"
    }]
  })
}

resource "aws_lambda_function" "trigger" {
  for_each         = local.triggers
  function_name    = "${var.name}-${each.key}"
  role             = aws_iam_role.trigger[each.key].arn
  handler          = each.value.handler
  runtime          = var.runtime
  architectures    = ["arm64"]
  filename         = data.archive_file.handler.output_path
  source_code_hash = data.archive_file.handler.output_base64sha256
  memory_size      = 256
  timeout          = 5

  environment {
    variables = merge(
      local.environment,
      each.value.code_secret ? { PASSCODE_CODE_SECRET_ARN = aws_secretsmanager_secret.code_secret.arn } : {},
    )
  }

  depends_on = [aws_cloudwatch_log_group.trigger]
}

# Cognito may invoke each trigger from this pool only.
resource "aws_lambda_permission" "cognito" {
  for_each      = local.triggers
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.trigger[each.key].function_name
  principal     = "cognito-idp.amazonaws.com"
  source_arn    = aws_cognito_user_pool.pool.arn
}

# Create: send from the configured address only, the table, the secret.
resource "aws_iam_role_policy" "create_auth_challenge" {
  name = "create-auth-challenge"
  role = aws_iam_role.trigger["create-auth-challenge"].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Action    = "ses:SendEmail"
        Resource  = local.ses_identity_arn
        Condition = { StringEquals = { "ses:FromAddress" = var.email_from } }
      },
      {
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:PutItem"]
        Resource = aws_dynamodb_table.passcode.arn
      },
      {
        Effect   = "Allow"
        Action   = "secretsmanager:GetSecretValue"
        Resource = aws_secretsmanager_secret.code_secret.arn
      },
    ]
  })
}

# Verify: the table, the secret, and the two admin writes on this pool. The
# function does not depend on this policy, so naming the pool makes no cycle.
resource "aws_iam_role_policy" "verify_auth_challenge" {
  name = "verify-auth-challenge"
  role = aws_iam_role.trigger["verify-auth-challenge"].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
        Resource = aws_dynamodb_table.passcode.arn
      },
      {
        Effect   = "Allow"
        Action   = "secretsmanager:GetSecretValue"
        Resource = aws_secretsmanager_secret.code_secret.arn
      },
      {
        Effect   = "Allow"
        Action   = ["cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminUserGlobalSignOut"]
        Resource = aws_cognito_user_pool.pool.arn
      },
    ]
  })
}

# --- The daily sweep that releases deleted users' usernames.
resource "aws_cloudwatch_log_group" "username_sweep" {
  name              = "/aws/lambda/${var.name}-username-sweep"
  retention_in_days = 30
}

resource "aws_iam_role" "username_sweep" {
  name = "${var.name}-username-sweep"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "username_sweep" {
  name = "username-sweep"
  role = aws_iam_role.username_sweep.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.username_sweep.arn}:*"
      },
      {
        Effect   = "Allow"
        Action   = "cognito-idp:ListUsers"
        Resource = aws_cognito_user_pool.pool.arn
      },
      {
        Effect   = "Allow"
        Action   = ["dynamodb:Scan", "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"]
        Resource = aws_dynamodb_table.passcode.arn
      },
    ]
  })
}

resource "aws_lambda_function" "username_sweep" {
  function_name    = "${var.name}-username-sweep"
  role             = aws_iam_role.username_sweep.arn
  handler          = "username-sweep.handler"
  runtime          = var.runtime
  architectures    = ["arm64"]
  filename         = data.archive_file.handler.output_path
  source_code_hash = data.archive_file.handler.output_base64sha256
  memory_size      = 256
  timeout          = 900

  environment {
    variables = {
      PASSCODE_TABLE_NAME   = aws_dynamodb_table.passcode.name
      PASSCODE_USER_POOL_ID = aws_cognito_user_pool.pool.id
    }
  }

  depends_on = [aws_cloudwatch_log_group.username_sweep]
}

resource "aws_cloudwatch_event_rule" "username_sweep" {
  name                = "${var.name}-username-sweep"
  schedule_expression = "rate(1 day)"
}

resource "aws_cloudwatch_event_target" "username_sweep" {
  rule = aws_cloudwatch_event_rule.username_sweep.name
  arn  = aws_lambda_function.username_sweep.arn
}

resource "aws_lambda_permission" "username_sweep" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.username_sweep.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.username_sweep.arn
}
