variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "passcode"
}

variable "email_from" {
  description = "The sender of the code emails, an address of the SES identity (no-reply@example.com)."
  type        = string
}

variable "ses_identity" {
  description = "The verified SES identity the sender belongs to: a domain (example.com) or the address itself."
  type        = string
}

variable "app_name" {
  description = "Your product's name, shown in the code email."
  type        = string
  default     = "Acme"
}

variable "handler_dir" {
  description = "The prebuilt handler's folder: node_modules/@cognito-passcode/triggers/lambda in your project."
  type        = string
  default     = "../../packages/triggers/lambda"
}

variable "runtime" {
  description = "The Lambda Node.js runtime: nodejs22.x or nodejs24.x (both include the AWS SDK v3 the handler uses)."
  type        = string
  default     = "nodejs22.x"
}
